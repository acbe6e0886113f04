import Foundation
import Logging

/// Runs steps in order; on the first failure, compensates the failing step and every earlier one in
/// reverse order, then states where things stand. Every transition is journaled first.
public struct Engine {
    public var steps: [any Step]
    public var onStep: (StepReport) -> Void

    public init(steps: [any Step], onStep: @escaping (StepReport) -> Void = { _ in }) {
        self.steps = steps
        self.onStep = onStep
    }

    public func run(_ context: RunContext) async -> RunReport {
        var reports: [StepReport] = []
        var failure: (index: Int, error: Error)?
        let clock = ContinuousClock()

        for (index, step) in steps.enumerated() {
            let started = clock.now
            do {
                let detail = try await step.perform(context)
                CrashPoint.reach("after-\(step.name)")
                let report = StepReport(step: step.name, outcome: .ok, detail: detail, milliseconds: Self.ms(clock.now - started))
                reports.append(report)
                onStep(report)
            } catch {
                let report = StepReport(step: step.name, outcome: .failed, detail: Self.describe(error), milliseconds: Self.ms(clock.now - started))
                reports.append(report)
                onStep(report)
                context.logger.info("step failed", metadata: ["step": "\(step.name)"])
                failure = (index, error)
                break
            }
        }

        guard let failure else {
            return finish(context, reports: reports, outcome: .rotated, exit: .ok, error: nil)
        }

        var compensationStatuses: [ExitStatus] = []
        for step in steps[...failure.index].reversed() {
            let started = clock.now
            do {
                if let detail = try await step.compensate(context) {
                    let report = StepReport(step: step.name, outcome: .compensated, detail: detail, milliseconds: Self.ms(clock.now - started))
                    reports.append(report)
                    onStep(report)
                    journal(context, .compensated) { $0.step = step.name; $0.detail = detail }
                }
            } catch {
                // A failure that does not say otherwise leaves the state unknown: a person must look.
                compensationStatuses.append((error as? any RekeyError)?.exitStatus ?? .rollbackFailed)
                let report = StepReport(step: step.name, outcome: .compensationFailed, detail: Self.describe(error), milliseconds: Self.ms(clock.now - started))
                reports.append(report)
                onStep(report)
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
        } else if failure.error is ProbeFailure {
            (status, outcome) = (.probeFailedRolledBack, .rolledBack)
        } else {
            let original = (failure.error as? any RekeyError)?.exitStatus ?? .software
            (status, outcome) = (original, context.rewriteAttempted || context.minted != nil ? .rolledBack : .failed)
        }
        return finish(context, reports: reports, outcome: outcome, exit: status, error: Self.describe(failure.error))
    }

    private func finish(_ context: RunContext, reports: [StepReport], outcome: RunReport.Outcome, exit: ExitStatus, error: String?) -> RunReport {
        let state = RunStateSentence.describe(context, outcome: outcome, exit: exit)
        let kind: JournalRecord.Kind = switch outcome {
        case .rotated: .done
        case .rolledBack: .rolledBack
        case .failed, .needsAttention: .failed
        }
        let recorded = journal(context, kind) { $0.exitCode = exit.rawValue; $0.detail = state }
        return RunReport(
            run: context.run.value,
            consumer: context.playbook.consumer,
            file: context.playbook.target.file,
            outcome: outcome,
            exitCode: exit.rawValue,
            steps: reports,
            token: context.minted.map { .init(id: $0.info.id, name: $0.info.name, lastEight: $0.info.lastEight) },
            previousLastEight: context.previousLastEight,
            backup: context.backupPath,
            journal: context.journal.path,
            error: error,
            state: state,
            endRecorded: recorded
        )
    }

    /// Journals an end-of-run or compensation record. A journal that cannot be written at this point
    /// is logged, not fatal: the side effects are already done and the report states them.
    @discardableResult
    private func journal(_ context: RunContext, _ kind: JournalRecord.Kind, _ fill: (inout JournalRecord) -> Void) -> Bool {
        var record = context.newRecord(kind)
        fill(&record)
        do {
            try context.journal.append(record)
            return true
        } catch {
            context.logger.error("journal append failed", metadata: ["kind": "\(kind.rawValue)"])
            return false
        }
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? any RekeyError { return error.description }
        // Foreign errors are reduced to their type: their descriptions are not vetted for secrets.
        return "unexpected \(String(reflecting: type(of: error)))"
    }

    private static func ms(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}

extension RunContext {
    /// A journal record for this run with the common fields filled in.
    public func newRecord(_ kind: JournalRecord.Kind) -> JournalRecord {
        var record = JournalRecord(kind: kind, at: Int(now().timeIntervalSince1970), consumer: playbook.consumer, run: run.value)
        record.file = playbook.target.file
        return record
    }
}
