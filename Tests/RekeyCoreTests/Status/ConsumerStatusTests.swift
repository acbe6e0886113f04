import Foundation
@testable import RekeyCore
import TestSupport
import Testing

@Suite("the status record: due, overdue, stuck")
struct ConsumerStatusTests {
    static let playbook: Playbook = {
        var book = try! PlaybookFixture.parse(PlaybookFixture.appending("every: 10d\nmax_failures: 2"))
        book.sourcePath = "/etc/rekey/playbooks/web.yml"
        return book
    }()

    static func report(_ outcome: RunReport.Outcome, exit: RekeyCore.ExitStatus, lastEight: String? = nil) -> RunReport {
        RunReport(run: "r1", consumer: "web-host", file: "/srv/app/.env", outcome: outcome, exitCode: exit.rawValue, steps: [],
                  token: lastEight.map { .init(id: 7, name: "deploy-r1", lastEight: $0) }, previousLastEight: nil, backup: nil,
                  journal: "j", error: outcome == .rotated ? nil : "probe failed", state: "s", endRecorded: true)
    }

    @Test("a rotation sets the last success, the token, and due and overdue follow every")
    func dueAndOverdue() {
        var status = ConsumerStatus(consumer: "web-host")
        #expect(status.isDue(at: 0))
        status.record(Self.report(.rotated, exit: .ok, lastEight: "abcdef12"), playbook: Self.playbook, at: 1_000)
        #expect(status.lastSuccessAt == 1_000 && status.tokenLastEight == "abcdef12" && status.persona == "deployer")
        #expect(status.nextDueAt == 1_000 + 864_000)
        #expect(!status.isDue(at: 1_000 + 863_999) && status.isDue(at: 1_000 + 864_000))
        #expect(!status.isOverdue(at: 1_000 + 1_296_000) && status.isOverdue(at: 1_000 + 1_296_001))
    }

    @Test("max_failures rolled-back runs make it stuck; 69 and 75 never count; a success clears it")
    func stuckRule() {
        var status = ConsumerStatus(consumer: "web-host")
        for _ in 0..<5 { status.record(Self.report(.rolledBack, exit: .unavailable), playbook: Self.playbook, at: 1) }
        for _ in 0..<5 { status.record(Self.report(.rolledBack, exit: .busy), playbook: Self.playbook, at: 1) }
        for _ in 0..<5 { status.record(Self.report(.failed, exit: .noPermission), playbook: Self.playbook, at: 1) }
        #expect(status.failuresInRow == 0 && !status.stuck)
        status.record(Self.report(.rolledBack, exit: .probeFailedRolledBack), playbook: Self.playbook, at: 2)
        #expect(status.failuresInRow == 1 && !status.stuck)
        status.record(Self.report(.needsAttention, exit: .probeFailedTokenLeft), playbook: Self.playbook, at: 3)
        #expect(status.failuresInRow == 2 && status.stuck && status.lastOutcome == .needsAttention)
        status.record(Self.report(.rotated, exit: .ok, lastEight: "12345678"), playbook: Self.playbook, at: 4)
        #expect(status.failuresInRow == 0 && !status.stuck && status.lastOutcome == .rotated)
    }

    @Test("status summary: problems name what to run")
    func summary() {
        var status = ConsumerStatus(consumer: "web-host")
        status.record(Self.report(.rotated, exit: .ok, lastEight: "abcdef12"), playbook: Self.playbook, at: 0)
        #expect(StatusSummary(status, unfinishedRun: nil, now: 100).healthy)
        let overdue = StatusSummary(status, unfinishedRun: nil, now: 1_296_001)
        #expect(!overdue.healthy && overdue.problems == ["overdue by more than half of every"])
        let unfinished = StatusSummary(status, unfinishedRun: "r9", now: 100)
        #expect(unfinished.problems == ["unfinished run r9 (rekey recover)"])
    }

    @Test("the worst exit code wins by the documented order")
    func severity() {
        #expect(UnattendedReport.worst([0, 0]) == .ok)
        #expect(UnattendedReport.worst([75, 69]) == .unavailable)
        #expect(UnattendedReport.worst([69, 77, 0]) == .noPermission)
        #expect(UnattendedReport.worst([78, 65]) == .badEnvFile)
        #expect(UnattendedReport.worst([65, 80]) == .probeFailedRolledBack)
        #expect(UnattendedReport.worst([80, 81, 82]) == .rollbackFailed)
    }
}

@Suite("the prometheus textfile")
struct PrometheusTextTests {
    @Test("every metric per consumer, labels escaped, and promtool accepts it")
    func render() throws {
        var healthy = ConsumerStatus(consumer: "web-host")
        healthy.record(ConsumerStatusTests.report(.rotated, exit: .ok, lastEight: "abcdef12"), playbook: ConsumerStatusTests.playbook, at: 1_700_000_000)
        var odd = ConsumerStatus(consumer: "odd")
        odd.file = "/srv/a \"quoted\"\\path"
        odd.persona = "p"
        odd.stuck = true
        odd.tokenValid = false
        let text = PrometheusText.render([healthy, odd])
        let lines = Set(text.split(separator: "\n").map(String.init))
        #expect(lines.contains("rekey_last_success_timestamp_seconds{consumer=\"web-host\"} 1700000000"))
        #expect(lines.contains("rekey_last_run_timestamp_seconds{consumer=\"web-host\"} 1700000000"))
        #expect(lines.contains("rekey_last_run_success{consumer=\"web-host\"} 1"))
        #expect(lines.contains("rekey_interval_seconds{consumer=\"web-host\"} 864000"))
        #expect(lines.contains("rekey_token_valid{consumer=\"web-host\"} 1"))
        #expect(lines.contains("rekey_token_valid{consumer=\"odd\"} 0"))
        #expect(lines.contains("rekey_consumer_stuck{consumer=\"odd\"} 1"))
        #expect(lines.contains("rekey_consumer_stuck{consumer=\"web-host\"} 0"))
        #expect(lines.contains("rekey_consumer_info{consumer=\"odd\",persona=\"p\",file=\"/srv/a \\\"quoted\\\"\\\\path\"} 1"))
        #expect(!text.contains("rekey_last_success_timestamp_seconds{consumer=\"odd\"}"))

        let directory = TempDirectory("rekey-prom")
        let path = directory.file("rekey.prom")
        try PrometheusText.write([healthy, odd], to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        guard let result = try Promtool.checkMetrics(path) else {
            Issue.record("promtool is missing: run scripts/install")
            return
        }
        #expect(result.status == 0, "promtool: \(result.output)")
    }
}
