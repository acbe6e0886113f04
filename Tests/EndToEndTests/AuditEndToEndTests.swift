import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// `rekey audit`: the real binary against the stand-in, with playbooks naming real env files.
@Suite("rekey audit, end to end")
struct AuditEndToEndTests {
    static func playbook(_ host: EndToEndHost, consumer: String, file: String, persona: String, scopes: String, every: String) -> String {
        PlaybookText.make(consumer: consumer, persona: persona, scopes: scopes, file: file, comment: "# rotated {utc}", extra: "every: \(every)")
    }

    static func findings(_ token: [String: Any]) -> [String] {
        ((token["findings"] as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String }
    }

    @Test("audit flags an all token, a write:admin token, a write:user token, an unheld one, one older than its playbook's every, wider scopes and persona drift")
    func findings() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            func mint(_ name: String, _ scopes: [String]) async throws -> String {
                let token = try await host.client.mintToken(persona: host.persona, name: name, scopes: scopes, auth: host.credential)
                return token.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
            }
            let all = try await mint("wide-all", ["all"])
            let admin = try await mint("wide-admin", ["write:admin", "read:user"])
            let user = try await mint("minter", ["write:user"])
            let unheld = try await mint("forgotten", ["read:repository"])
            let dir = host.directory
            try FileManager.default.createDirectory(atPath: dir.file("playbooks"), withIntermediateDirectories: true)
            try dir.write("minter.env", "GITEA_TOKEN=\(user)\n", mode: 0o600)
            // The host's own consumer: holds the initial token, to be rotated every minute; the audit runs with its clock two minutes on, so it is overdue.
            try dir.write("playbooks/host.yml", Self.playbook(host, consumer: host.consumer, file: host.envPath, persona: host.persona,
                                                               scopes: "[write:repository, read:user]", every: "1m"))
            // A consumer holding the write:user token while asking only for read:user.
            try dir.write("playbooks/minter.yml", Self.playbook(host, consumer: "minter-host", file: dir.file("minter.env"),
                                                                 persona: host.persona, scopes: "[read:user]", every: "30d"))
            // A playbook of another persona whose file holds one of ops-automation's tokens: drift.
            try dir.write("drift.env", "GITEA_TOKEN=\(admin)\n", mode: 0o600)
            try dir.write("playbooks/drift.yml", Self.playbook(host, consumer: "drift-host", file: dir.file("drift.env"),
                                                                persona: "someone-else", scopes: "[read:user]", every: "30d"))
            // A playbook of this persona whose file holds another persona's token: consumer drift.
            let adminCredential = BasicCredential(username: "site-admin", password: SecretBytes(utf8: host.adminPassword))
            let foreign = try await host.client.mintToken(persona: "someone-else", name: "foreign", scopes: ["read:user"], auth: adminCredential)
            let foreignValue = foreign.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
            try dir.write("foreign.env", "GITEA_TOKEN=\(foreignValue)\n", mode: 0o600)
            try dir.write("playbooks/foreign.yml", Self.playbook(host, consumer: "foreign-host", file: dir.file("foreign.env"),
                                                                  persona: host.persona, scopes: "[read:user]", every: "30d"))
            let later = [CommandClock.offsetVariable: "120"]

            let result = try await host.rekey(["audit", "--persona", host.persona, "--url", host.baseURL,
                                               "--playbooks", dir.file("playbooks"), "--json"], environment: later)
            #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(report["usageData"] as? Bool == true)
            let tokens = try #require(report["tokens"] as? [[String: Any]])
            #expect(tokens.count == 5, "\(tokens)")
            func token(_ name: String) throws -> [String: Any] { try #require(tokens.first { ($0["name"] as? String) == name }) }
            #expect(Self.findings(try token("wide-all")).contains("scope-all-or-admin"))
            #expect(Self.findings(try token("wide-admin")).contains("scope-all-or-admin"))
            #expect(Self.findings(try token("minter")).contains("write-user"))
            #expect(Self.findings(try token("minter")).contains("wider-than-playbook"))
            #expect(!Self.findings(try token("minter")).contains("unheld"))
            #expect(Self.findings(try token("forgotten")).contains("unheld"))
            #expect(Self.findings(try token("wide-all")).contains("unheld"))
            #expect(Self.findings(try token("wide-admin")).contains("persona-drift"))
            #expect(!Self.findings(try token("wide-admin")).contains("unheld"))
            let initial = try #require(tokens.first { ($0["name"] as? String)?.hasPrefix("initial-") == true })
            #expect(Self.findings(initial).contains("older-than-every"), "\(initial)")
            #expect(!Self.findings(initial).contains("unheld") && !Self.findings(initial).contains("wider-than-playbook"))
            let holders = try #require(initial["holders"] as? [[String: Any]])
            #expect(holders.first?["consumer"] as? String == host.consumer && holders.first?["file"] as? String == host.envPath)
            let consumers = try #require(report["consumers"] as? [[String: Any]])
            #expect(consumers.count == 1 && consumers.first?["consumer"] as? String == "foreign-host", "\(consumers)")
            #expect((consumers.first?["finding"] as? [String: Any])?["kind"] as? String == "persona-drift")
            #expect(consumers.first?["lastEight"] as? String == String(foreignValue.suffix(8)))
            for item in tokens {
                #expect(item["createdAt"] is String && item["lastUsedAt"] is String && (item["lastEight"] as? String)?.count == 8)
            }

            let lines = try await host.rekey(["audit", "--persona", host.persona, "--url", host.baseURL, "--playbooks", dir.file("playbooks")], environment: later)
            #expect(lines.status == 0)
            #expect(lines.stdout.contains("persona \(host.persona) at \(host.baseURL): 5 tokens"), "\(lines.stdout)")
            #expect(lines.stdout.contains("held by \(host.consumer) (\(host.envPath) GITEA_TOKEN)"))
            #expect(lines.stdout.contains("! unheld: held by no known consumer: a revocation candidate"))
            #expect(lines.stdout.contains("! older-than-every: older than consumer \(host.consumer)'s every: 1m"))
            #expect(try host.leaks(of: [all, admin, user, unheld, foreignValue, host.oldToken, host.password]).isEmpty)
        }
    }

    @Test("after a rotation the new token is held by the consumer (its id from the run's journal) and the old one is a revocation candidate")
    func afterRotation() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let rotated = try await host.rekey(["run", host.playbookPath])
            #expect(rotated.status == 0, "\(rotated.combined)")
            let dir = host.directory
            try FileManager.default.createDirectory(atPath: dir.file("playbooks"), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: host.playbookPath, toPath: dir.file("playbooks/host.yml"))
            let result = try await host.rekey(["audit", "--persona", host.persona, "--url", host.baseURL,
                                               "--playbooks", dir.file("playbooks"), "--json"])
            #expect(result.status == 0, "\(result.combined)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let tokens = try #require(report["tokens"] as? [[String: Any]])
            let newest = try #require(await host.serverTokens().first)
            #expect(tokens.count == 2)
            let held = try #require(tokens.first { $0["id"] as? Int == newest.id })
            #expect((held["holders"] as? [[String: Any]])?.first?["consumer"] as? String == host.consumer)
            #expect(Self.findings(held).isEmpty, "\(held)")
            let old = try #require(tokens.first { $0["id"] as? Int != newest.id })
            #expect(old["lastEight"] as? String == String(host.oldToken.suffix(8)))
            #expect(Self.findings(old) == ["unheld"], "\(old)")
            #expect(try host.leaks(of: [host.oldToken, host.currentToken]).isEmpty)
        }
    }

    @Test("a server before 1.24: no times, said so, and no time-based findings")
    func withoutUsageData() async throws {
        try await EndToEndHost.with(tokenTimestamps: false) { host in
            try await host.setUp()
            let result = try await host.rekey(["audit", "--persona", host.persona, "--url", host.baseURL, "--json"])
            #expect(result.status == 0, "\(result.combined)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(report["usageData"] as? Bool == false)
            let tokens = try #require(report["tokens"] as? [[String: Any]])
            #expect(tokens.count == 1 && tokens[0]["createdAt"] == nil)
            #expect(Self.findings(tokens[0]) == ["unheld"], "\(tokens)")
            let human = try await host.rekey(["audit", "--persona", host.persona, "--url", host.baseURL])
            #expect(human.stdout.contains("no created_at/last_used_at"))
            #expect(human.stdout.contains("the server reports no usage data"))
        }
    }
}
