import Foundation
import Logging

/// Runs an operation's steps in order, with an explicit commit point between the steps placed
/// before it and those placed after it (`StepPlacement`):
///
/// - before the commit point, the first failure compensates the failing step and every earlier one
///   in reverse order;
/// - once every step before it succeeded, the engine journals `committed`: the new secret is proven;
/// - after it, a failing step is reported and the rotation stands, unless its error asks for a
///   restore (`RequiresRestore`), which compensates every step before the commit point, or leaves
///   the operation unfinished for `recover` (`LeavesRunUnfinished`).
///
/// A rotation (`Rotation`), a rollback (`Rollback`, its steps in `RollbackSteps.swift`) and the
/// settling of a dead run (`settle`, in `Engine+Settle.swift`) all run here.
///
/// The outcome, exit code and closing sentence come from the typed step results and the run's
/// facts. Every transition is journaled first.
public struct Engine {
    public var steps: [any Step]
    public var onStep: (StepReport) -> Void
    /// The operation's event stream (`OperationEvent`).
    public var onEvent: (OperationEvent) -> Void
    private let clock = ContinuousClock()

    public init(steps: [any Step], onStep: @escaping (StepReport) -> Void = { _ in },
                onEvent: @escaping (OperationEvent) -> Void = { _ in }) {
        self.steps = steps
        self.onStep = onStep
        self.onEvent = onEvent
    }

    /// The index of the first step after the commit point.
    var commitIndex: Int { steps.firstIndex { $0.placement == .afterCommit } ?? steps.count }

    public func run(_ context: RunContext) async -> RunReport {
        var reports: [StepReport] = []
        var changedTheWorld = false
        context.emit = onEvent

        for (index, step) in steps.enumerated() {
            if index == commitIndex { commit(context) }
            onEvent(.stepStarted(step: step.name))
            let started = clock.now
            do {
                let result = try await step.perform(context)
                CrashPoint.reach("after-\(step.name)")
                changedTheWorld = changedTheWorld || result.changedTheWorld
                report(.init(step: step.name, outcome: .ok, detail: result.detail, milliseconds: Self.ms(clock.now - started)), into: &reports)
            } catch {
                report(.init(step: step.name, outcome: .failed, detail: .failure(Self.describe(error)), milliseconds: Self.ms(clock.now - started)), into: &reports)
                context.logger.info("step failed", metadata: ["step": "\(step.name)"])
                if index >= commitIndex && error is any LeavesRunUnfinished {
                    return finish(context, reports: reports, outcome: .needsAttention,
                                  exit: (error as? any RekeyError)?.exitStatus ?? .software, error: Self.describe(error))
                }
                if index >= commitIndex && !(error is any RequiresRestore) {
                    // After the commit point a failure is the step's own: the rotation stands.
                    continue
                }
                let undo = index >= commitIndex ? Array(steps[..<commitIndex]) + [step] : Array(steps[...index])
                return await compensate(context, steps: undo, failure: error, changedTheWorld: changedTheWorld, reports: reports)
            }
        }
        if commitIndex == steps.count { commit(context) }
        return finish(context, reports: reports, outcome: .rotated, exit: .ok, error: nil)
    }

    /// Journals the commit point. (A journal that cannot take it will not take the end record
    /// either: the run then stays marked unfinished and `rekey recover` settles it.)
    private func commit(_ context: RunContext) {
        context.facts.committed = true
        journal(context, .committed)
    }

    private func compensate(_ context: RunContext, steps undo: [any Step], failure: Error, changedTheWorld: Bool,
                            reports: [StepReport]) async -> RunReport {
        var reports = reports
        var compensationStatuses: [ExitStatus] = []
        for step in undo.reversed() {
            let started = clock.now
            do {
                if let detail = try await step.compensate(context) {
                    report(.init(step: step.name, outcome: .compensated, detail: detail, milliseconds: Self.ms(clock.now - started)), into: &reports)
                    journal(context, .compensated(step: step.name, detail: detail.tag))
                }
            } catch {
                // A failure that does not say otherwise leaves the state unknown: a person must look.
                compensationStatuses.append((error as? any RekeyError)?.exitStatus ?? .rollbackFailed)
                report(.init(step: step.name, outcome: .compensationFailed, detail: .failure(Self.describe(error)), milliseconds: Self.ms(clock.now - started)), into: &reports)
                context.logger.error("compensation failed", metadata: ["step": "\(step.name)"])
            }
        }

        let status: ExitStatus
        let outcome: RunReport.Outcome
        if !compensationStatuses.isEmpty {
            // Only a token left behind (81) is a known state; anything else means the file's state
            // is not proven, which is 82.
            let tokenOnly = compensationStatuses.allSatisfy { $0 == .probeFailedTokenLeft }
            (status, outcome) = (tokenOnly ? .probeFailedTokenLeft : .rollbackFailed, .needsAttention)
        } else {
            // A run whose completed steps changed something was rolled back; otherwise it failed
            // before changing anything.
            status = (failure as? any RekeyError)?.exitStatus ?? .software
            outcome = changedTheWorld ? .rolledBack : .failed
        }
        return finish(context, reports: reports, outcome: outcome, exit: status, error: Self.describe(failure))
    }

    private func report(_ report: StepReport, into reports: inout [StepReport]) {
        reports.append(report)
        onStep(report)
        switch report.outcome {
        case .ok, .failed: onEvent(.stepFinished(report))
        case .compensated, .compensationFailed: onEvent(.compensated(report))
        }
    }

    private func finish(_ context: RunContext, reports: [StepReport], outcome: RunReport.Outcome, exit: ExitStatus, error: String?) -> RunReport {
        let state = RunStateSentence.describe(context, outcome: outcome, exit: exit)
        let end = JournalEvent.End(exitCode: exit.rawValue, detail: state)
        let event: JournalEvent = switch outcome {
        case .rotated: .done(end)
        case .rolledBack: .rolledBack(end)
        case .failed, .needsAttention: .failed(end)
        }
        let recorded = journal(context, event)
        let facts = context.facts
        return RunReport(
            run: context.run.value,
            consumer: context.playbook.consumer,
            file: context.playbook.target.file,
            outcome: outcome,
            exitCode: exit.rawValue,
            steps: reports,
            token: facts.minted.map { .init(id: $0.id, name: $0.name, lastEight: $0.lastEight) },
            previousLastEight: facts.previousLastEight,
            backup: facts.backup,
            journal: context.journal.path,
            error: error,
            state: state,
            endRecorded: recorded
        )
    }

    /// Journals an engine record (commit, compensation, end). A journal that cannot be written at
    /// this point is logged, not fatal: the side effects are already done and the report states them.
    @discardableResult
    private func journal(_ context: RunContext, _ event: JournalEvent) -> Bool {
        do {
            try context.record(event)
            return true
        } catch {
            context.logger.error("journal append failed", metadata: ["kind": "\(JournalRecord(event, at: 0, consumer: "", run: "").kind.rawValue)"])
            return false
        }
    }

    static func describe(_ error: Error) -> String { ErrorLine.describe(error) }

    private static func ms(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
