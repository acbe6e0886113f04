/// One step of an operation, self-contained: its name, its place relative to the commit point,
/// what it does (`perform`), how it is undone in the same run (`compensate`) and what a dry run
/// says it would do (`plan`) and what `rekey recover` does with a run that died in or after it
/// (`assess`, `settle(from:)`). Steps are listed in `StepRegistry`; the engine, `rekey run`,
/// `rekey recover` and `--dry-run` only iterate them.
///
/// `perform` does the step's side effect, journaled ahead, and returns a typed result whose
/// `StepDetail` the executable renders (identifiers only, never a secret). `compensate` undoes
/// whatever `perform` did or may have done: it is called for the failing step too, so it must check
/// what actually happened and be idempotent, and it returns what it undid, or `nil` when there was
/// nothing to undo.
public protocol Step {
    var name: String { get }
    /// Before the commit point a failure compensates every step so far; after it, a failure is
    /// reported and the proven rotation stands, unless the error asks for a restore (`RequiresRestore`).
    var placement: StepPlacement { get }
    func perform(_ run: RunContext) async throws -> StepResult
    func compensate(_ run: RunContext) async throws -> StepDetail?
    /// What a dry run says this step would do (empty: nothing to say), as typed items the
    /// executable renders. Changes nothing.
    func plan(_ plan: PlanInput) -> [PlanItem]
    /// `rekey recover`, first pass, in run order: can the dead run be finished from what this step
    /// left (the journal, the file, the server)? A step may prove something here (the probe does),
    /// and note what it found, but journals nothing. Default: no objection.
    func assess(_ dead: DeadRun) async throws -> Assessment
    /// `rekey recover`, second pass: finish this step's part (run order, when every step could
    /// finish) or undo it (reverse order, `dead.mustUndo`), journaling each action in the run's own
    /// journal and noting it. It must be idempotent: recover may die and run again. Default: nothing.
    func settle(from dead: DeadRun) async throws
}

extension Step {
    public var placement: StepPlacement { .beforeCommit }
    public func compensate(_ run: RunContext) async throws -> StepDetail? { nil }
    public func plan(_ plan: PlanInput) -> [PlanItem] { [] }
    public func assess(_ dead: DeadRun) async throws -> Assessment { .canFinish }
    public func settle(from dead: DeadRun) async throws {}
}

/// Where a step runs relative to the run's commit point (see `Engine`).
public enum StepPlacement: Sendable, Equatable {
    case beforeCommit
    case afterCommit
}

/// What a step's `perform` did, as the engine needs it.
public struct StepResult: Sendable, Equatable {
    /// What the step did, for the executable to render: identifiers only.
    public var detail: StepDetail
    /// Whether the step changed something outside rekey's own state (a token on the server, the
    /// consumer's file). A failed run that changed something was rolled back; one that changed
    /// nothing simply failed.
    public var changedTheWorld: Bool

    public init(_ detail: StepDetail, changedTheWorld: Bool = false) {
        self.detail = detail
        self.changedTheWorld = changedTheWorld
    }
}

/// An after-commit step's error that undoes the rotation: the engine compensates every step
/// before the commit point (a failed reload will: the consumer must not keep running broken).
public protocol RequiresRestore: Error {}

/// An after-commit step's error that leaves the operation unfinished without undoing it: the
/// outcome is `needs-attention` with the error's exit status, the run keeps its marker, and
/// `rekey recover` settles it (a rollback whose undone token could not be deleted).
public protocol LeavesRunUnfinished: Error {}

/// What one step did, for people and for `--json` (the executable renders `detail`).
public struct StepReport: Sendable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case ok, failed, compensated
        case compensationFailed = "compensation-failed"
    }

    public var step: String
    public var outcome: Outcome
    public var detail: StepDetail
    public var milliseconds: Int

    public init(step: String, outcome: Outcome, detail: StepDetail, milliseconds: Int) {
        self.step = step
        self.outcome = outcome
        self.detail = detail
        self.milliseconds = milliseconds
    }
}
