import Foundation
import Logging
import Testing
@testable import RekeyCore
import TestSupport

/// `Engine.settle`: what `rekey recover` does with a dead run is asked of the run's steps.
@Suite("settling a dead run through its steps")
struct EngineSettleTests {
    final class SettlingStep: Step {
        let name: String
        let verdict: Assessment
        let log: RecordingStep.Log

        /// Finishing, this step fails with an error that asks for a restore (a reload run again that fails).
        let failsFinishing: Bool

        init(_ name: String, _ verdict: Assessment = .canFinish, failsFinishing: Bool = false, log: RecordingStep.Log) {
            self.name = name
            self.verdict = verdict
            self.failsFinishing = failsFinishing
            self.log = log
        }

        struct AsksForRestore: RekeyError, RequiresRestore {
            var exitStatus: RekeyCore.ExitStatus { .reloadFailedRestored }
            var description: String { "the step asked for a restore" }
        }

        func perform(_ run: RunContext) async throws -> StepResult { StepResult(.said(name)) }
        func assess(_ dead: DeadRun) async throws -> Assessment {
            log.entries.append("assess \(name)")
            return verdict
        }
        func settle(from dead: DeadRun) async throws {
            log.entries.append("\(dead.mustUndo ? "undo" : "finish") \(name)")
            if failsFinishing && !dead.mustUndo { throw AsksForRestore() }
            try dead.record(.step(name: name, detail: nil))
        }
    }

    /// A run that journaled only its `begin` before it died.
    static func deadRun(_ fixture: EngineFixture) throws -> DeadRun {
        let context = fixture.context(gitea: FakeGitea(login: "ops-automation"))
        var begin = context.newRecord(.begin)
        begin.operation = .rotate
        try context.journal.append(begin)
        let journal = try RunJournal.load(state: fixture.state, run: context.run.value, sealer: fixture.sealer)
        let services = RecoveryServices(state: fixture.state, sealer: fixture.sealer, logger: Logger(label: "test")) { _ in
            FakeGitea(login: "ops-automation")
        }
        return DeadRun(journal: journal, begin: try #require(journal.begin), target: nil, services: services,
                       writer: try Journal.continuing(journal, state: fixture.state, sealer: fixture.sealer))
    }

    static func kinds(_ dead: DeadRun, _ fixture: EngineFixture) throws -> [JournalRecord.Kind] {
        try RunJournal.load(state: fixture.state, run: dead.journal.run, sealer: fixture.sealer).records.map(\.kind)
    }

    @Test("when every step can finish: assessed and settled in run order, then committed and done")
    func finishes() async throws {
        let fixture = try EngineFixture()
        let log = RecordingStep.Log()
        let dead = try Self.deadRun(fixture)
        let settlement = try await Engine(steps: [SettlingStep("a", log: log), SettlingStep("b", log: log)]).settle(dead)
        #expect(settlement == .finished)
        #expect(log.entries == ["assess a", "assess b", "finish a", "finish b"])
        #expect(try Self.kinds(dead, fixture) == [.begin, .stepEvent, .stepEvent, .committed, .done])
    }

    @Test("when a step must undo: later steps are not asked, every step settles in reverse order, then rolled-back")
    func undoes() async throws {
        let fixture = try EngineFixture()
        let log = RecordingStep.Log()
        let dead = try Self.deadRun(fixture)
        let steps = [SettlingStep("a", log: log), SettlingStep("b", .mustUndo, log: log), SettlingStep("c", log: log)]
        let settlement = try await Engine(steps: steps).settle(dead)
        #expect(settlement == .undone)
        #expect(log.entries == ["assess a", "assess b", "undo c", "undo b", "undo a"])
        #expect(try Self.kinds(dead, fixture) == [.begin, .stepEvent, .stepEvent, .stepEvent, .rolledBack])
        #expect(try RunJournal.load(state: fixture.state, run: dead.journal.run, sealer: fixture.sealer).facts.committed == false)
    }

    @Test("a step that, finishing, asks for a restore turns the settlement into an undo: every step undoes in reverse order, then rolled-back")
    func finishingStepAsksForRestore() async throws {
        let fixture = try EngineFixture()
        let log = RecordingStep.Log()
        let dead = try Self.deadRun(fixture)
        let steps = [SettlingStep("a", log: log), SettlingStep("b", failsFinishing: true, log: log), SettlingStep("c", log: log)]
        let settlement = try await Engine(steps: steps).settle(dead)
        #expect(settlement == .undone)
        #expect(log.entries == ["assess a", "assess b", "assess c", "finish a", "finish b", "undo c", "undo b", "undo a"])
        #expect(try Self.kinds(dead, fixture) == [.begin, .stepEvent, .stepEvent, .stepEvent, .stepEvent, .rolledBack])
        #expect(dead.actions == [.undoneBecause(step: "b", error: "the step asked for a restore")])
    }
}
