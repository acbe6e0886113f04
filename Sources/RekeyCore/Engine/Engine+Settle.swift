/// Settling a dead run: the same steps that ran it, asked what to do with what they left.
///
/// 1. Every step assesses the run, in run order (`Step.assess`); the first that says `.mustUndo`
///    decides (later steps are not asked: a run to be undone needs no more proof).
/// 2. Undo: every step settles in reverse order, then `rolled-back` is journaled. Finish: every step
///    settles in run order, then `committed` and `done` are journaled. A step that, finishing, fails
///    with an error that asks for a restore (`RequiresRestore`: a reload run again that fails) turns
///    the settlement into an undo, as the same failure does in a live run.
///
/// Every record goes to the run's own journal, through the same `Journal` writer a live run uses.
/// An error leaves the run unfinished (its marker stays; `rekey recover` may run again).
extension Engine {
    public enum Settlement: Sendable, Equatable {
        case finished
        case undone
    }

    public func settle(_ dead: DeadRun) async throws -> Settlement {
        dead.emit = onEvent
        for step in steps where try await step.assess(dead) == .mustUndo {
            dead.mustUndo = true
            break
        }
        if dead.mustUndo { return try await undo(dead) }
        for step in steps {
            do {
                try await step.settle(from: dead)
            } catch let error as any RequiresRestore {
                dead.note(.undoneBecause(step: step.name, error: ErrorLine.describe(error)))
                dead.mustUndo = true
                return try await undo(dead)
            }
        }
        try dead.record(.committed)
        try dead.record(.done(.init(detail: "recovered: finished")))
        return .finished
    }

    /// Every step undoes its part, in reverse order. An undone rotation ends `rolled-back`; an
    /// undone rollback did not happen, so it ends `failed` (as `rekey history` shows it).
    private func undo(_ dead: DeadRun) async throws -> Settlement {
        for step in steps.reversed() { try await step.settle(from: dead) }
        if dead.journal.operation == .rollback {
            try dead.record(.failed(.init(detail: "recovered: the rollback did not happen; nothing changed by it")))
        } else {
            try dead.record(.rolledBack(.init(detail: "recovered: rolled back")))
        }
        return .undone
    }
}
