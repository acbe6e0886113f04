import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// `rekey status`, the Prometheus textfile, `rekey forget`, and the records built from journals.
@Suite("rekey status and the prometheus file, end to end")
struct StatusEndToEndTests {
    @Test("after a rotation: status --json and the prometheus file, field by field; promtool accepts the file")
    func statusAndPrometheus() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "every: 30d")
            let metrics = host.directory.file("textfile/rekey.prom")
            try FileManager.default.createDirectory(atPath: host.directory.file("textfile"), withIntermediateDirectories: true)
            let run = try await host.unattended(["--prometheus", metrics])
            #expect(run.status == 0 && run.stdout.isEmpty && run.stderr.isEmpty, "\(run.combined)")
            let lastEight = String(host.currentToken.suffix(8))

            let status = try await host.rekey(["status", "--json"])
            #expect(status.status == 0, "\(status.combined)")
            let list = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]]
            let entry = try #require(list?.first)
            #expect(list?.count == 1)
            #expect(entry["consumer"] as? String == host.consumer)
            #expect(entry["lastOutcome"] as? String == "rotated")
            #expect(entry["every"] as? String == "30d")
            #expect(entry["healthy"] as? Bool == true && (entry["problems"] as? [String])?.isEmpty == true)
            #expect(entry["stuck"] as? Bool == false && entry["drift"] as? Bool == false)
            #expect(entry["file"] as? String == host.envPath && entry["persona"] as? String == host.persona)
            let success = try #require((entry["lastSuccess"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            let nextDue = try #require((entry["nextDue"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(nextDue.timeIntervalSince(success) == 30 * 86_400)
            #expect(abs(success.timeIntervalSinceNow) < 120)
            #expect(try host.statusRecord(host.consumer)["tokenLastEight"] as? String == lastEight)

            let text = try String(contentsOfFile: metrics, encoding: .utf8)
            let samples = Dictionary(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line -> (String, String) in
                let parts = line.split(separator: " ")
                return (String(parts[0]), String(parts[1]))
            }, uniquingKeysWith: { a, _ in a })
            let label = "{consumer=\"\(host.consumer)\"}"
            #expect(samples["rekey_last_success_timestamp_seconds" + label] == String(Int(success.timeIntervalSince1970)))
            #expect(samples["rekey_last_run_timestamp_seconds" + label] == String(Int(success.timeIntervalSince1970)))
            #expect(samples["rekey_last_run_success" + label] == "1")
            #expect(samples["rekey_interval_seconds" + label] == "2592000")
            #expect(samples["rekey_token_valid" + label] == "1")
            #expect(samples["rekey_consumer_stuck" + label] == "0")
            #expect(samples["rekey_consumer_info{consumer=\"\(host.consumer)\",persona=\"\(host.persona)\",file=\"\(host.envPath)\"}"] == "1")
            #expect(try FileManager.default.contentsOfDirectory(atPath: host.directory.file("textfile")) == ["rekey.prom"])
            try Self.promtoolAccepts(metrics)

            // status --prometheus writes the same file.
            try FileManager.default.removeItem(atPath: metrics)
            #expect(try await host.rekey(["status", "--prometheus", metrics]).status == 0)
            #expect(try String(contentsOfFile: metrics, encoding: .utf8) == text)
        }
    }

    @Test("a rejected token while not due shows in status and the file (token_valid 0), and a failed last run makes status exit 1")
    func unhealthy() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "every: 30d")
            #expect(try await host.unattended().status == 0)
            await host.addFault(FaultRule(route: .user, times: 1, login: "somebody-else"))
            await host.addFault(FaultRule(route: .version, times: 0, status: 503))
            let metrics = host.directory.file("rekey.prom")
            let run = try await host.unattended(["--prometheus", metrics, "--retries", "0"])
            #expect(run.status == 69, "\(run.combined)")
            let status = try await host.rekey(["status"])
            #expect(status.status == 1, "\(status.combined)")
            #expect(status.stdout.contains("token rejected"))
            #expect(try String(contentsOfFile: metrics, encoding: .utf8).contains("rekey_token_valid{consumer=\"e2e-host\"} 0"))
            try Self.promtoolAccepts(metrics)
        }
    }

    @Test("drift: a token in the file that rekey did not write is reported in status, not on stderr")
    func drift() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "every: 30d")
            #expect(try await host.unattended().status == 0)
            let handEdited = try await host.mintDirectly(name: "by-hand")
            let text = host.envText.replacingOccurrences(of: host.currentToken, with: handEdited)
            try host.directory.write("all-credentials.env", text, mode: 0o640)
            let result = try await host.unattended(["--json"])
            #expect(result.status == 0 && result.stderr.isEmpty, "\(result.combined)")
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let consumer = try #require((json?["consumers"] as? [[String: Any]])?.first)
            #expect(consumer["drift"] as? Bool == true && consumer["outcome"] as? String == "not-due")
            #expect(try await host.rekey(["status"]).stdout.contains("drift"))
        }
    }

    @Test("forget drops the status record and keeps journals and backups")
    func forget() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            let journals = try FileManager.default.contentsOfDirectory(atPath: host.statePath + "/runs").filter { $0.hasSuffix(".journal") }
            let result = try await host.rekey(["forget", host.consumer])
            #expect(result.status == 0 && result.stdout.contains("forgot e2e-host"), "\(result.combined)")
            #expect(!FileManager.default.fileExists(atPath: host.statePath + "/consumers/e2e-host.json"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: host.statePath + "/runs").filter { $0.hasSuffix(".journal") } == journals)
            #expect(try FileManager.default.contentsOfDirectory(atPath: host.statePath + "/backups/e2e-host").count == 1)
            let status = try await host.rekey(["status"])
            #expect(status.status == 0 && !status.stdout.contains("e2e-host"), "\(status.combined)")
        }
    }

    @Test("after an upgrade the records are built from the journals: a consumer rotated before is not due")
    func builtFromJournals() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            // What an earlier release left: journals, no consumers/ directory.
            try FileManager.default.removeItem(atPath: host.statePath + "/consumers")
            try host.writePlaybook(extra: "every: 30d")
            let start = await host.requestCount
            let result = try await host.unattended()
            #expect(result.status == 0 && result.stderr.isEmpty, "\(result.combined)")
            #expect(await host.requests(since: start) == ["GET /api/v1/user"])
            #expect(try host.statusRecord(host.consumer)["lastOutcome"] as? String == "rotated")
        }
    }

    static func promtoolAccepts(_ path: String) throws {
        guard let result = try Promtool.checkMetrics(path) else {
            Issue.record("promtool is missing: run scripts/install (Debian's prometheus package)")
            return
        }
        #expect(result.status == 0, "promtool: \(result.output)")
    }
}
