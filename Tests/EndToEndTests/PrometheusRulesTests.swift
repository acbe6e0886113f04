import Foundation
import Testing
import TestSupport

/// contrib/prometheus/rekey.rules.yml under promtool (Debian's prometheus package).
@Suite("Prometheus alert rules")
struct PrometheusRulesTests {
    static let rules = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        + "/contrib/prometheus"
    static let promtool = "/usr/bin/promtool"

    @Test("promtool checks the rules and passes their unit tests (overdue, token rejected, not running, stuck)")
    func rulesPass() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.promtool), "promtool missing: scripts/install installs prometheus")
        let check = try await ProcessRunner.run(Self.promtool, ["check", "rules", Self.rules + "/rekey.rules.yml"], environment: [:])
        #expect(check.status == 0 && check.stdout.contains("SUCCESS: 4 rules found"), "\(check.stdout)\(check.stderr)")
        let test = try await ProcessRunner.run(Self.promtool, ["test", "rules", Self.rules + "/rekey.rules.test.yml"], environment: [:])
        #expect(test.status == 0 && test.stdout.contains("SUCCESS"), "\(test.stdout)\(test.stderr)")
    }

    @Test("the rule tests catch a changed threshold in each rule", arguments: [
        ("> 1.5 * rekey_interval_seconds", "> 3 * rekey_interval_seconds", "RekeyRotationOverdue"),
        ("rekey_token_valid == 0", "rekey_token_valid == 2", "RekeyTokenRejected"),
        ("> 2 * 86400", "> 4 * 86400", "RekeyNotRunning"),
    ])
    func mutantFails(_ original: String, _ mutant: String, _ alert: String) async throws {
        let directory = TempDirectory()
        let rules = try String(contentsOfFile: Self.rules + "/rekey.rules.yml", encoding: .utf8)
        #expect(rules.contains(original))
        try directory.write("rekey.rules.yml", rules.replacingOccurrences(of: original, with: mutant))
        try directory.write("rekey.rules.test.yml", try String(contentsOfFile: Self.rules + "/rekey.rules.test.yml", encoding: .utf8))
        let test = try await ProcessRunner.run(Self.promtool, ["test", "rules", directory.file("rekey.rules.test.yml")], environment: [:])
        #expect(test.status != 0 && (test.stdout + test.stderr).contains(alert), "\(test.stdout)\(test.stderr)")
    }
}
