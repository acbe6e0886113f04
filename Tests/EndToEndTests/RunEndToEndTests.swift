import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// The real `rekey` binary against the real stand-in over loopback HTTP, on a real disk.
@Suite("rekey run, end to end")
struct RunEndToEndTests {
    @Test("happy path: the file holds a new, working token; every other byte is unchanged")
    func happyPath() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envText
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 0, "stderr: \(result.stderr)")

            let newToken = host.currentToken
            #expect(newToken.count == 40 && newToken != host.oldToken)
            #expect(try await host.client.login(of: SecretBytes(utf8: newToken)) == host.persona)

            // Only the key line and the comment above it changed.
            let old = before.components(separatedBy: "\n"), now = host.envText.components(separatedBy: "\n")
            #expect(old.count == now.count)
            for index in old.indices where index != 2 && index != 3 { #expect(old[index] == now[index]) }
            let server = await host.serverTokens()
            let minted = try #require(server.first { $0.lastEight == String(newToken.suffix(8)) })
            #expect(now[2].hasPrefix("# ops-automation PAT \(minted.name) (…\(minted.lastEight)) rotated "))
            // The old token stays valid: rolling back must keep working.
            #expect(server.count == 2)
            #expect(try await host.client.login(of: SecretBytes(utf8: host.oldToken)) == host.persona)

            // What the operator sees: one line per step, tokens only as … plus their last eight.
            for step in ["validate", "backup", "mint", "rewrite", "probe"] {
                #expect(result.stdout.contains("✓ \(step)"), "no line for \(step) in: \(result.stdout)")
            }
            #expect(result.stdout.contains("…\(String(host.oldToken.suffix(8)))"))
            #expect(result.stdout.contains("…\(minted.lastEight)"))

            // The mode of the env file is kept; the backup is sealed in the state dir, 0600.
            var info = stat()
            #expect(stat(host.envPath, &info) == 0 && info.st_mode & 0o777 == 0o640)
            let backups = try FileManager.default.contentsOfDirectory(atPath: host.statePath + "/backups/\(host.consumer)")
            #expect(backups.count == 1 && backups[0].hasPrefix("all-credentials.env.bak.") && backups[0].hasSuffix(".sealed"))
            #expect(stat(host.statePath + "/backups/\(host.consumer)/" + backups[0], &info) == 0 && info.st_mode & 0o777 == 0o600)
            #expect(try FileManager.default.contentsOfDirectory(atPath: host.directory.path).filter { $0.contains(".bak") }.isEmpty)

            #expect(try host.leaks(of: [host.password, host.oldToken, newToken]) == [])
        }
    }

    @Test("the probe sees another login: exit 80, file byte-identical, minted token gone from the server")
    func wrongLogin() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            await host.addFault(FaultRule(route: .user, times: 1, login: "somebody-else"))
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 80, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(host.envBytes == before)
            let tokens = await host.serverTokens()
            #expect(tokens.map(\.lastEight) == [String(host.oldToken.suffix(8))])
            #expect(result.stdout.contains("↩ rewrite"))
            #expect(result.stdout.contains("↩ mint"))
            #expect(result.stderr.contains("'somebody-else', expected 'ops-automation'"))
            #expect(try host.leaks(of: [host.password, host.oldToken]) == [])
        }
    }

    @Test("mint refused with 401 (wrong vault password): exit 77, nothing changed")
    func mintUnauthorized() async throws {
        try await EndToEndHost.with { host in
            let wrong = "wrong-" + UUID().uuidString
            try await host.setUp(vaultPassword: wrong)
            let before = host.envBytes
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 77, "stderr: \(result.stderr)")
            #expect(host.envBytes == before)
            #expect(await host.serverTokens().count == 1)
            #expect(result.stderr.contains("401"))
            #expect(result.stdout.contains("nothing changed"))
            #expect(try host.leaks(of: [wrong, host.oldToken]) == [])
        }
    }

    @Test("mint answered 500: exit 69, nothing changed")
    func mintServerError() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            await host.addFault(FaultRule(route: .mint, times: 1, status: 500))
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 69, "stderr: \(result.stderr)")
            #expect(host.envBytes == before)
            #expect(await host.serverTokens().count == 1)
            #expect(result.stderr.contains("500"))
        }
    }

    @Test("the key is missing from the env file: exit 65 before anything is minted")
    func keyMissing() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp(envTemplate: "OTHER=1\nGITEA_TOKEN_OLD={old}\n")
            let before = host.envBytes
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 65, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("GITEA_TOKEN") && result.stderr.contains(host.envPath))
            #expect(host.envBytes == before)
            #expect(await host.serverTokens().count == 1)
        }
    }

    @Test("the key appears twice: exit 65, lines named, nothing minted")
    func keyTwice() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp(envTemplate: "GITEA_TOKEN={old}\nX=1\nexport GITEA_TOKEN={old}\n")
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 65)
            #expect(result.stderr.contains("1") && result.stderr.contains("3"))
            #expect(await host.serverTokens().count == 1)
        }
    }

    @Test("dry run: reaches the server, prints a redacted plan, changes nothing")
    func dryRun() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            let result = try await host.rekey(["run", host.playbookPath, "--dry-run"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(result.stdout.contains("GITEA_TOKEN=…\(host.oldToken.suffix(8)) → <new token>"))
            #expect(result.stdout.contains("version \(GiteaStandIn.defaultVersion)"))
            #expect(host.envBytes == before)
            #expect(await host.serverTokens().count == 1)
            #expect(!FileManager.default.fileExists(atPath: host.statePath + "/backups/\(host.consumer)"))
            #expect(try host.leaks(of: [host.password, host.oldToken]) == [])
        }
    }

    @Test("--json prints one object with the run, each step and the token's id, name and last eight")
    func json() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let result = try await host.rekey(["run", host.playbookPath, "--json"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(object["consumer"] as? String == host.consumer)
            #expect((object["run"] as? String)?.isEmpty == false)
            #expect(object["outcome"] as? String == "rotated")
            let steps = try #require(object["steps"] as? [[String: Any]])
            #expect(steps.map { $0["step"] as? String } == ["validate", "backup", "mint", "rewrite", "probe"])
            #expect(steps.allSatisfy { $0["outcome"] as? String == "ok" && $0["milliseconds"] is Int })
            let token = try #require(object["token"] as? [String: Any])
            #expect(token["lastEight"] as? String == String(host.currentToken.suffix(8)))
            #expect(token["id"] is Int && (token["name"] as? String)?.hasPrefix("ops-automation-") == true)
            // Each step's detail is the line people read, rendered from the step's typed result.
            let details = steps.map { $0["detail"] as? String ?? "" }
            try #require(details.count == 5)
            #expect(details[2].hasPrefix("token \(token["id"] as? Int ?? -1) \(token["name"] as? String ?? "") (…\(host.currentToken.suffix(8))) for \(host.persona), scopes "),
                    "\(details)")
            #expect(details[2].contains("read:user"), "\(details)")
            #expect(details[4] == "GET /api/v1/user with …\(host.currentToken.suffix(8)) → 200 login \(host.persona)", "\(details)")
            #expect(try host.leaks(of: [host.password, host.oldToken, host.currentToken]) == [])
        }
    }

    @Test("--dry-run --json prints the plan's fields and the lines people read, and changes nothing")
    func dryRunJSON() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            let result = try await host.rekey(["run", host.playbookPath, "--dry-run", "--json"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(object["consumer"] as? String == host.consumer)
            #expect(object["steps"] as? [String] == ["backup", "mint", "rewrite", "probe"])
            let lines = try #require(object["lines"] as? [String])
            #expect(lines.first == "plan for \(host.consumer) (dry run: nothing was changed)")
            #expect(lines.contains("✓ playbook  \(host.playbookPath) is valid; steps backup, mint, rewrite, probe"), "\(lines)")
            #expect(lines.contains("  probe     would check GET /api/v1/user answers 200 with login \(host.persona)"), "\(lines)")
            #expect(object["items"] == nil, "the typed items are the core's, not the JSON's")
            #expect(host.envBytes == before)
            #expect(await host.serverTokens().count == 1)
        }
    }

    @Test("Gitea unreachable: exit 69, nothing changed")
    func unreachable() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            // Port 9 (discard) on loopback: nothing listens there, the connection is refused.
            let result = try await host.rekey(["run", host.playbookPath], environment: ["GITEA_URL": "http://127.0.0.1:9"])
            #expect(result.status == 69, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("unreachable"))
            #expect(host.envBytes == before)
        }
    }

    @Test("an env file reached through a symlink: the target is rewritten, the link stays a link")
    func throughSymlink() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            // Move the real file elsewhere and leave a symlink where the playbook points.
            let real = host.directory.file("real-credentials.env")
            try FileManager.default.moveItem(atPath: host.envPath, toPath: real)
            try FileManager.default.createSymbolicLink(atPath: host.envPath, withDestinationPath: real)

            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let attributes = try FileManager.default.attributesOfItem(atPath: host.envPath)
            #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: host.envPath) == real)
            let text = try String(contentsOfFile: real, encoding: .utf8)
            #expect(!text.contains(host.oldToken))
            #expect(try await host.client.login(of: SecretBytes(utf8: host.currentToken)) == host.persona)
        }
    }
}
