import Foundation
import Testing
@testable import RekeyCore
import TestSupport

/// A step that records what the engine asks of it into a shared log.
final class RecordingStep: Step {
    let name: String
    let log: Log
    let fails: Bool
    let compensationFails: Bool
    let compensationStatus: RekeyCore.ExitStatus
    let placement: StepPlacement
    let asksForRestore: Bool

    final class Log { var entries: [String] = [] }

    struct Boom: RekeyError {
        var exitStatus: RekeyCore.ExitStatus = .unavailable
        var description: String { "boom" }
    }

    /// A failure after the commit point that undoes the rotation, like a failed reload.
    struct RestoreBoom: RekeyError, RequiresRestore {
        var exitStatus: RekeyCore.ExitStatus { .unavailable }
        var description: String { "reload failed" }
    }

    init(_ name: String, log: Log, fails: Bool = false, compensationFails: Bool = false,
         compensationStatus: RekeyCore.ExitStatus = .unavailable, placement: StepPlacement = .beforeCommit,
         asksForRestore: Bool = false) {
        self.placement = placement
        self.asksForRestore = asksForRestore
        self.name = name
        self.log = log
        self.fails = fails
        self.compensationFails = compensationFails
        self.compensationStatus = compensationStatus
    }

    func perform(_ run: RunContext) async throws -> StepResult {
        log.entries.append("perform \(name)")
        if fails { throw asksForRestore ? RestoreBoom() as any Error : Boom() }
        return StepResult(.said("did \(name)"), changedTheWorld: true)
    }

    func compensate(_ run: RunContext) async throws -> StepDetail? {
        log.entries.append("compensate \(name)")
        if compensationFails { throw Boom(exitStatus: compensationStatus) }
        return .said("undid \(name)")
    }
}

@Suite("Engine ordering")
struct EngineOrderingTests {
    static let names = ["validate", "backup", "mint", "rewrite", "probe"]

    @Test("all steps succeed: performed in order, nothing compensated, exit 0")
    func happyPath() async throws {
        let fixture = try EngineFixture()
        let log = RecordingStep.Log()
        let engine = Engine(steps: Self.names.map { RecordingStep($0, log: log) })
        let report = await engine.run(fixture.context(gitea: FakeGitea(login: "x")))
        #expect(log.entries == Self.names.map { "perform \($0)" })
        #expect(report.exitCode == 0)
        #expect(report.outcome == .rotated)
        #expect(report.steps.map(\.outcome) == Array(repeating: .ok, count: 5))
    }

    @Test("step N fails: steps N down to 1 are compensated, in reverse order", arguments: 0..<5)
    func failureAt(index: Int) async throws {
        let fixture = try EngineFixture()
        let log = RecordingStep.Log()
        let steps = Self.names.enumerated().map { RecordingStep($1, log: log, fails: $0 == index) }
        let report = await Engine(steps: steps).run(fixture.context(gitea: FakeGitea(login: "x")))
        let performed = Self.names[...index].map { "perform \($0)" }
        let compensated = Self.names[...index].reversed().map { "compensate \($0)" }
        #expect(log.entries == performed + compensated)
        #expect(report.exitCode == RekeyCore.ExitStatus.unavailable.rawValue)
        #expect(report.error == "boom")
        #expect(report.steps.filter { $0.outcome == .failed }.map(\.step) == [Self.names[index]])
    }

    @Test("a failed rewrite compensation means exit 82: a person must look")
    func restoreFailure() async throws {
        let fixture = try EngineFixture()
        let log = RecordingStep.Log()
        let steps = [RecordingStep("validate", log: log), RecordingStep("mint", log: log),
                     RecordingStep("rewrite", log: log, compensationFails: true), RecordingStep("probe", log: log, fails: true)]
        let report = await Engine(steps: steps).run(fixture.context(gitea: FakeGitea(login: "x")))
        #expect(report.exitCode == RekeyCore.ExitStatus.rollbackFailed.rawValue)
        #expect(report.outcome == .needsAttention)
        // Compensation goes on past the failure: the token is still cleaned up.
        #expect(log.entries.suffix(4) == ["compensate probe", "compensate rewrite", "compensate mint", "compensate validate"])
    }

    @Test("a compensation failure that says nothing about its state counts as 82, even with a token left too")
    func unknownIsWorst() async throws {
        let fixture = try EngineFixture()
        let log = RecordingStep.Log()
        let steps = [RecordingStep("mint", log: log, compensationFails: true, compensationStatus: .probeFailedTokenLeft),
                     RecordingStep("other", log: log, compensationFails: true),
                     RecordingStep("probe", log: log, fails: true)]
        let report = await Engine(steps: steps).run(fixture.context(gitea: FakeGitea(login: "x")))
        #expect(report.exitCode == RekeyCore.ExitStatus.rollbackFailed.rawValue)
        #expect(report.state.contains("rekey recover --consumer fixture-host"))
    }

    @Test("a compensation that reports a token left behind means exit 81")
    func tokenLeft() async throws {
        let fixture = try EngineFixture()
        let log = RecordingStep.Log()
        let steps = [RecordingStep("mint", log: log, compensationFails: true, compensationStatus: .probeFailedTokenLeft), RecordingStep("rewrite", log: log),
                     RecordingStep("probe", log: log, fails: true)]
        let report = await Engine(steps: steps).run(fixture.context(gitea: FakeGitea(login: "x")))
        #expect(report.exitCode == RekeyCore.ExitStatus.probeFailedTokenLeft.rawValue)
        #expect(report.steps.last?.outcome == .compensationFailed)
    }

    @Test("a step after the commit point fails: nothing is undone, the rotation stands (exit 0), and the commit is journaled before it")
    func afterCommitFailureStands() async throws {
        let fixture = try EngineFixture()
        let log = RecordingStep.Log()
        let steps = Self.names.map { RecordingStep($0, log: log) }
            + [RecordingStep("reload", log: log, fails: true, placement: .afterCommit), RecordingStep("prune", log: log, placement: .afterCommit)]
        let context = fixture.context(gitea: FakeGitea(login: "x"))
        let report = await Engine(steps: steps).run(context)
        #expect(log.entries == (Self.names + ["reload", "prune"]).map { "perform \($0)" })
        #expect(report.outcome == .rotated && report.exitCode == 0)
        #expect(report.steps.map(\.outcome) == Array(repeating: .ok, count: 5) + [.failed, .ok])
        let kinds = try Journal.read(path: context.journal.path, run: context.run.value, sealer: fixture.sealer).records.map(\.0.kind)
        #expect(kinds == [.committed, .done])
        #expect(context.facts.committed)
    }

    @Test("a step after the commit point that asks for a restore: every step before the commit point is compensated, in reverse order")
    func afterCommitRestore() async throws {
        let fixture = try EngineFixture()
        let log = RecordingStep.Log()
        let steps = Self.names.map { RecordingStep($0, log: log) }
            + [RecordingStep("reload", log: log, fails: true, placement: .afterCommit, asksForRestore: true)]
        let report = await Engine(steps: steps).run(fixture.context(gitea: FakeGitea(login: "x")))
        #expect(log.entries == (Self.names + ["reload"]).map { "perform \($0)" } + (Self.names + ["reload"]).reversed().map { "compensate \($0)" })
        #expect(report.outcome == .rolledBack)
        #expect(report.exitCode == RekeyCore.ExitStatus.unavailable.rawValue)
        #expect(report.error == "reload failed")
    }

    @Test("a failure before anything changed the world is a failure, not a roll-back")
    func failureBeforeChange() async throws {
        let fixture = try EngineFixture()
        let log = RecordingStep.Log()
        let report = await Engine(steps: [RecordingStep("validate", log: log, fails: true)]).run(fixture.context(gitea: FakeGitea(login: "x")))
        #expect(report.outcome == .failed)
    }
}
