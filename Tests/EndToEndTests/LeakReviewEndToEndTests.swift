import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// Leak review, end to end: the real binary with `--verbose` and `--json` on every command that
/// prints, through successes, failures, a crash and corrupt state. Each test plants the secrets it
/// knows (vault password, TOTP seed, every token the file held) and checks stdout, stderr, argv and
/// the state dir for them, and every printed line for anything shaped like a token value.
@Suite("leak review, end to end")
struct LeakReviewEndToEndTests {
    static func randomSeed() -> String {
        String((0..<32).map { _ in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".randomElement()! })
    }

    /// Every 40-hex run in what the binary printed (a token value has exactly that shape).
    static func tokenShaped(_ host: EndToEndHost) throws -> [String] {
        let hexRun = try Regex("[0-9a-f]{40,}")
        return host.transcripts.flatMap { result in
            [result.stdout, result.stderr].flatMap { text in
                text.matches(of: hexRun).filter { text[$0.range].count == 40 }
                    .map { "\(result.arguments.joined(separator: " ")): …\(text[$0.range].suffix(8))" }
            }
        }
    }

    static func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    static func lines(_ text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: true)
    }

    @Test("run --verbose --json: stdout is exactly one JSON object, logs go to stderr as identifiers, no secret anywhere")
    func verboseJsonRun() async throws {
        let seed = Self.randomSeed()
        try await EndToEndHost.with(personaTOTPSeed: seed) { host in
            try await host.setUp()
            let result = try await host.rekey(["run", host.playbookPath, "--verbose", "--json"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let object = try #require(try Self.json(result.stdout) as? [String: Any], "stdout is not one JSON object: \(result.stdout)")
            #expect(object["outcome"] as? String == "rotated")
            // --verbose logs the mint by id and last eight, never more.
            #expect(result.stderr.contains("token-last8=\(host.currentToken.suffix(8))"), "stderr: \(result.stderr)")
            let dry = try await host.rekey(["run", host.playbookPath, "--dry-run", "--json", "--verbose"])
            #expect(dry.status == 0, "stderr: \(dry.stderr)")
            #expect(try Self.json(dry.stdout) is [String: Any])
            #expect(try host.leaks(of: [host.password, seed, host.oldToken, host.currentToken]) == [])
            #expect(try Self.tokenShaped(host) == [])
        }
    }

    @Test("failures with --verbose --json (probe 401, wrong login, mint 500, wrong password): no secret printed, nothing left behind")
    func verboseFailures() async throws {
        let seed = Self.randomSeed()
        try await EndToEndHost.with(personaTOTPSeed: seed) { host in
            try await host.setUp()
            let before = host.envBytes
            await host.addFault(FaultRule(route: .user, times: 1, status: 401))
            let probe401 = try await host.rekey(["run", host.playbookPath, "--verbose", "--json"])
            #expect(probe401.status == 80, "stdout: \(probe401.stdout) stderr: \(probe401.stderr)")
            let object = try #require(try Self.json(probe401.stdout) as? [String: Any], "stdout: \(probe401.stdout)")
            #expect(object["outcome"] as? String == "rolled-back")
            #expect((object["error"] as? String)?.contains("401") == true)

            await host.addFault(FaultRule(route: .user, times: 1, login: "somebody-else"))
            #expect(try await host.rekey(["run", host.playbookPath, "--verbose"]).status == 80)
            await host.addFault(FaultRule(route: .mint, times: 1, status: 500))
            #expect(try await host.rekey(["run", host.playbookPath, "--verbose", "--json"]).status == 69)

            #expect(host.envBytes == before)
            #expect(await host.serverTokens().map(\.lastEight) == [String(host.oldToken.suffix(8))])

            let wrong = "wrong-" + UUID().uuidString
            #expect(try await host.rekey(["vault", "set", host.persona, "--username", host.persona, "--totp"], stdin: wrong + "\n" + seed + "\n").status == 0)
            let refused = try await host.rekey(["run", host.playbookPath, "--verbose"])
            #expect(refused.status == 77)
            #expect(try host.leaks(of: [host.password, wrong, seed, host.oldToken]) == [])
            #expect(try Self.tokenShaped(host) == [])
        }
    }

    @Test("recover, rollback, history and backup list, plain and --json, after a crash and rotations: no secret printed")
    func operatorCommandsOutput() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            var tokens = [host.oldToken]
            // Killed right after the rewrite: the file holds the new token, the run is unfinished.
            let crashed = try await host.rekey(["run", host.playbookPath, "--verbose"], environment: [CrashPoint.environmentVariable: "after-rewrite"])
            #expect(crashed.signalled)
            tokens.append(host.currentToken)
            let recoverJSON = try await host.rekey(["recover", "--json", "--verbose"])
            #expect(recoverJSON.status == 0, "stderr: \(recoverJSON.stderr)")
            #expect(try Self.json(recoverJSON.stdout) is [Any])

            // Killed mid-replace of the env file: a temp file beside it holds the new token until recover.
            let midReplace = try await host.rekey(["run", host.playbookPath], environment: [CrashPoint.environmentVariable: "atomic-after-temp-write:all-credentials.env"])
            #expect(midReplace.signalled)
            let recoverPlain = try await host.rekey(["recover", "--verbose"])
            #expect(recoverPlain.status == 0, "stderr: \(recoverPlain.stderr)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: host.directory.path).filter { $0.contains("rekey-tmp") }
            #expect(leftovers == [], "plaintext temp files left beside the env file")

            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            tokens.append(host.currentToken)
            let rollbackJSON = try await host.rekey(["rollback", host.consumer, "--json", "--verbose"])
            #expect(rollbackJSON.status == 0, "stderr: \(rollbackJSON.stderr)")
            #expect(try Self.json(rollbackJSON.stdout) is [String: Any])
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            tokens.append(host.currentToken)
            #expect(try await host.rekey(["rollback", host.consumer, "--verbose"]).status == 0)

            for arguments in [["history"], ["history", "--json"], ["history", host.consumer, "--verbose"],
                              ["backup", "list"], ["backup", "list", "--json"], ["vault", "list"]] {
                let result = try await host.rekey(arguments)
                #expect(result.status == 0, "\(arguments): \(result.stderr)")
                if arguments.contains("--json") { #expect(try Self.json(result.stdout) is [Any], "\(arguments): \(result.stdout)") }
            }
            #expect(try host.leaks(of: tokens + [host.password]) == [])
            #expect(try Self.tokenShaped(host) == [])
        }
    }

    @Test("corrupt vault entry, backup and journal: one line naming the file, the documented exit code, no secret")
    func corruptState() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            let rotated = host.currentToken
            func flip(_ path: String) throws {
                var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
                bytes[bytes.count - 5] ^= 0x5A
                try Data(bytes).write(to: URL(fileURLWithPath: path))
            }
            let backupDir = host.statePath + "/backups/\(host.consumer)"
            let backup = backupDir + "/" + (try #require(try FileManager.default.contentsOfDirectory(atPath: backupDir).first { $0.hasSuffix(".sealed") }))
            try flip(backup)
            let rollback = try await host.rekey(["rollback", host.consumer])
            #expect(rollback.status == 78, "stdout: \(rollback.stdout) stderr: \(rollback.stderr)")
            #expect(Self.lines(rollback.stderr).count == 1 && rollback.stderr.contains(backup), "stderr: \(rollback.stderr)")
            #expect(host.currentToken == rotated)

            let runs = host.statePath + "/runs"
            let journal = runs + "/" + (try #require(try FileManager.default.contentsOfDirectory(atPath: runs).first { $0.hasSuffix(".journal") }))
            try flip(journal)
            let history = try await host.rekey(["history", "--json"])
            #expect(history.status == 0, "stderr: \(history.stderr)")
            #expect(history.stdout.contains("unreadable"))

            try flip(host.statePath + "/vault/\(host.persona).sealed")
            let run = try await host.rekey(["run", host.playbookPath])
            #expect(run.status == 78, "stdout: \(run.stdout) stderr: \(run.stderr)")
            #expect(Self.lines(run.stderr).count == 1 && run.stderr.contains("vault/\(host.persona).sealed"), "stderr: \(run.stderr)")
            #expect(await host.serverTokens().count == 2, "nothing minted with a corrupt vault entry")
            #expect(try host.leaks(of: [host.password, host.oldToken, rotated]) == [])
            #expect(try Self.tokenShaped(host) == [])
        }
    }

    @Test("dry run of an env file holding a short value: the value is not printed whole")
    func dryRunShortValue() async throws {
        try await EndToEndHost.with { host in
            // Someone pasted the persona's password (or half a token) where the token belongs.
            let short = "pw7!Xq2z"
            try await host.setUp(envTemplate: "GITEA_URL=https://gitea.example.org\nGITEA_TOKEN=\(short)\n")
            let plain = try await host.rekey(["run", host.playbookPath, "--dry-run"])
            let json = try await host.rekey(["run", host.playbookPath, "--dry-run", "--json"])
            #expect(plain.status == 0 && json.status == 0, "stderr: \(plain.stderr) \(json.stderr)")
            let leaks = try host.leaks(of: [short])
            #expect(leaks == [], "stdout: \(plain.stdout)\n\(json.stdout)")
        }
    }

    @Test("a playbook whose steps mint but never rewrite: no token is left on the server that nothing holds")
    func mintWithoutRewrite() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "steps: [backup, mint]")
            let before = host.envBytes
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(host.envBytes == before)
            let tokens = await host.serverTokens()
            // Either the playbook is refused (78), or the run does not leave a live token that no
            // file holds and claim the file holds it.
            #expect(result.status == 78 || tokens.count == 1,
                    "exit \(result.status), \(tokens.count) tokens on the server; stdout: \(result.stdout)")
            #expect(!result.stdout.contains("holds the new GITEA_TOKEN"), "stdout: \(result.stdout)")
        }
    }

    @Test("gitea.url carrying the persona's password and refused: the password is not printed")
    func urlWithPassword() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            for url in ["ssh://ops-automation:\(host.password)@127.0.0.1", "https://ops-automation:\(host.password)@127.0.0.1:port"] {
                let result = try await host.rekey(["run", host.playbookPath], environment: ["GITEA_URL": url])
                #expect(result.status == 78, "stderr: \(result.stderr)")
                #expect(result.stderr.contains(host.playbookPath))
            }
            let leaks = try host.leaks(of: [host.password])
            #expect(leaks == [], "stderr: \(host.transcripts.map(\.stderr))")
        }
    }

    @Test("mint answered 429 (rate limited): exit 69 like other temporary server trouble, nothing changed")
    func mintRateLimited() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            await host.addFault(FaultRule(route: .mint, times: 1, status: 429))
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(host.envBytes == before)
            #expect(await host.serverTokens().count == 1)
            #expect(result.status == 69, "README: 78 means an invalid playbook; stderr: \(result.stderr)")
        }
    }

    @Test("a vault password longer than the input limit is refused, not stored cut short")
    func longPassword() async throws {
        let password = String(repeating: "Lp9-", count: 1100)  // 4400 bytes
        let server = GiteaStandIn(users: [StandInUser(name: "long-user", password: password)])
        let url = try await server.start(port: 0)
        do {
            try await EndToEndHost.with { host in
                #expect(try await host.rekey(["init"]).status == 0)
                let set = try await host.rekey(["vault", "set", "long", "--username", "long-user"], stdin: password + "\n")
                let test = try await host.rekey(["vault", "test", "long", "--url", url])
                // Stored whole (vault test passes), or refused with a line saying why.
                #expect(set.status != 0 || test.status == 0,
                        "vault set exit \(set.status), vault test exit \(test.status): \(test.stderr)")
                #expect(try host.leaks(of: [String(password.prefix(64))]) == [])
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
