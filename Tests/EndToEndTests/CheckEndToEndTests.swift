import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// `rekey check`: the real binary against the stand-in, over real env files.
@Suite("rekey check, end to end")
struct CheckEndToEndTests {
    /// Five consumers: a good token, a revoked one, one without read:user, one of another persona
    /// than the playbook naming its file, and one of a disabled account. Returns name → token.
    static func fiveConsumers(_ host: EndToEndHost) async throws -> [String: String] {
        try await host.setUp()
        let admin = BasicCredential(username: "site-admin", password: SecretBytes(utf8: host.adminPassword))
        func value(_ token: MintedToken) -> String { token.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) } }
        let revoked = try await host.client.mintToken(persona: host.persona, name: "revoked", scopes: ["read:user"], auth: host.credential)
        try await host.client.deleteToken(persona: host.persona, id: revoked.info.id, auth: host.credential)
        let tokens = [
            "good": host.oldToken,
            "revoked": value(revoked),
            "noread": value(try await host.client.mintToken(persona: host.persona, name: "noread", scopes: ["write:repository"], auth: host.credential)),
            "other": value(try await host.client.mintToken(persona: "site-admin", name: "other", scopes: ["read:user"], auth: admin)),
            "disabled": value(try await host.client.mintToken(persona: "someone-else", name: "disabled", scopes: ["read:user"], auth: admin)),
        ]
        #expect(await host.server.setAccountState(AccountState(active: false), ofUser: "someone-else"))
        try FileManager.default.createDirectory(atPath: host.directory.file("consumers"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: host.directory.file("playbooks"), withIntermediateDirectories: true)
        for (name, token) in tokens {
            try host.directory.write("consumers/\(name).env", "# \(name)\nexport DEPLOY_USER=ops\nGITEA_TOKEN=\(token)\n", mode: 0o640)
        }
        try host.directory.write("playbooks/other.yml", """
        version: 1
        consumer: other-host
        gitea:
          url: ${GITEA_URL}
          persona: \(host.persona)
        token:
          name: "other-{run}"
          scopes: [read:user]
        target:
          file: \(host.directory.file("consumers/other.env"))
          key: GITEA_TOKEN
          comment: "# rotated {utc}"
        probe:
          login: \(host.persona)
        """)
        return tokens
    }

    static let expected: [String: String] = [
        "good": "ok", "revoked": "rejected (401)", "noread": "no read:user (403)",
        "other": "other persona than its playbook", "disabled": "account disabled (403)",
    ]

    static func check(_ host: EndToEndHost, _ extra: [String]) async throws -> ProcessResult {
        try await host.rekey(["check", host.directory.file("consumers"), "--url", host.baseURL,
                              "--playbooks", host.directory.file("playbooks")] + extra)
    }

    @Test("five consumers, each with its status in the table, the JSON and the Prometheus file; exit 1; no secret printed",
          arguments: [false, true])
    func fiveStatuses(tokenEndpoints: Bool) async throws {
        try await EndToEndHost.with(tokenSelfEndpoints: tokenEndpoints) { host in
            let tokens = try await Self.fiveConsumers(host)
            let metrics = host.directory.file("check.prom")
            let table = try await Self.check(host, ["--prometheus", metrics])
            #expect(table.status == 1, "stdout: \(table.stdout) stderr: \(table.stderr)")
            let lines = table.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("FILE") == true)
            #expect(lines.count == 6, "\(table.stdout)")
            for (name, status) in Self.expected {
                let line = try #require(lines.first { $0.contains("/\(name).env") }, "\(table.stdout)")
                #expect(line.contains(status), "\(line)")
                #expect(line.contains("GITEA_TOKEN") && line.contains("…" + tokens[name]!.suffix(8)) && line.contains("  3  "), "\(line)")
            }
            let good = try #require(lines.first { $0.contains("/good.env") })
            #expect(good.contains(host.persona))
            #expect(try #require(lines.first { $0.contains("/other.env") }).contains("site-admin"))
            if tokenEndpoints {
                let id = try #require(await host.serverTokens().first { $0.lastEight == tokens["good"]!.suffix(8) }?.id)
                #expect(good.contains("  \(id)  ") && good.contains("initial-"), "\(good)")
                #expect(try #require(lines.first { $0.contains("/noread.env") }).contains(host.persona))
            }

            let json = try await Self.check(host, ["--json"])
            #expect(json.status == 1)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(document["healthy"] as? Bool == false)
            let rows = try #require(document["tokens"] as? [[String: Any]])
            #expect(rows.count == 5)
            for row in rows {
                let file = try #require(row["file"] as? String)
                let name = String(file.split(separator: "/").last!.dropLast(".env".count))
                #expect(row["status"] as? String == Self.expected[name], "\(row)")
                #expect(row["variable"] as? String == "GITEA_TOKEN" && row["line"] as? Int == 3)
                #expect(row["lastEight"] as? String == String(tokens[name]!.suffix(8)))
            }

            let text = try String(contentsOfFile: metrics, encoding: .utf8)
            let valid = ["good": 1, "revoked": 0, "noread": 1, "other": 1, "disabled": 0]
            for (name, value) in valid {
                let sample = "rekey_check_token_valid{file=\"\(host.directory.file("consumers/\(name).env"))\",variable=\"GITEA_TOKEN\"} \(value)"
                #expect(text.contains(sample + "\n"), "\(text)")
            }
            let promtool = try await ProcessRunner.run("/usr/bin/promtool", ["check", "metrics"], environment: [:], stdin: text)
            #expect(promtool.status == 0, "promtool: \(promtool.combined)")

            #expect(try host.leaks(of: Array(tokens.values)).isEmpty)
            for token in tokens.values { #expect(!text.contains(token)) }
        }
    }

    @Test("--unattended prints nothing and exits 0 while all is well; a revoked token makes it print that row only and exit 1")
    func unattended() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let quiet = try await host.rekey(["check", host.envPath, "--url", host.baseURL, "--unattended"])
            #expect(quiet.status == 0, "stderr: \(quiet.stderr)")
            #expect(quiet.stdout.isEmpty && quiet.stderr.isEmpty, "\(quiet.combined)")

            let spare = try await host.mintDirectly(name: "spare")
            try host.directory.write("second.env", "OTHER_TOKEN='\(spare)'\n", mode: 0o600)
            let id = try #require(await host.serverTokens().first { $0.name == "spare" }?.id)
            try await host.client.deleteToken(persona: host.persona, id: id, auth: host.credential)
            let loud = try await host.rekey(["check", host.envPath, host.directory.file("second.env"), "--url", host.baseURL, "--unattended"])
            #expect(loud.status == 1)
            let lines = loud.stdout.split(separator: "\n")
            #expect(lines.count == 2, "\(loud.stdout)")
            #expect(lines.last?.contains("second.env") == true && lines.last?.contains("OTHER_TOKEN") == true
                && lines.last?.contains("rejected (401)") == true, "\(loud.stdout)")
            #expect(try host.leaks(of: [spare, host.oldToken]).isEmpty)
        }
    }

    @Test("--key adds a variable whatever its value; an unreadable file is named (65); a server that cannot be reached is 69")
    func keysProblemsAndUnreachable() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.directory.write("odd.env", "API_KEY=\"short-secret-value\"\n", mode: 0o600)
            let named = try await host.rekey(["check", host.directory.file("odd.env"), "--key", "API_KEY", "--url", host.baseURL])
            #expect(named.status == 1, "\(named.combined)")
            #expect(named.stdout.contains("API_KEY") && named.stdout.contains("…et-value") && named.stdout.contains("rejected (401)"))
            #expect(!named.combined.contains("short-secret-value"))

            let missing = try await host.rekey(["check", host.envPath, host.directory.file("nope.env"), "--url", host.baseURL])
            #expect(missing.status == 65, "\(missing.combined)")
            #expect(missing.stderr.contains("nope.env"))
            #expect(missing.stdout.split(separator: "\n").contains { $0.contains("GITEA_TOKEN") && $0.hasSuffix("  ok") }, "\(missing.stdout)")

            let closed = try await host.rekey(["check", host.envPath, "--url", "http://127.0.0.1:9", "--timeout", "3"])
            #expect(closed.status == 69, "\(closed.combined)")
            #expect(closed.stdout.contains("unreachable"))

            let plain = try await host.rekey(["check", host.envPath, "--url", "http://gitea.example.org"])
            #expect(plain.status == 78, "\(plain.combined)")
            #expect(try host.leaks(of: [host.oldToken]).isEmpty)
        }
    }
}
