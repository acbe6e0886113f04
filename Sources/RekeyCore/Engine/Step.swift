/// One step of an operation, self-contained: its name, its place relative to the commit point,
/// what it does (`perform`), how it is undone in the same run (`compensate`) and what a dry run
/// says it would do (`plan`). Steps are listed in `StepRegistry`; the engine, `rekey run` and
/// `--dry-run` only iterate them.
///
/// `perform` does the step's side effect, journaled ahead, and returns a typed result with a
/// one-line summary (identifiers only, never a secret). `compensate` undoes whatever `perform` did
/// or may have done: it is called for the failing step too, so it must check what actually happened
/// and be idempotent, and it returns a summary, or `nil` when there was nothing to undo.
public protocol Step {
    var name: String { get }
    /// Before the commit point a failure compensates every step so far; after it, a failure is
    /// reported and the proven rotation stands, unless the error asks for a restore (`RequiresRestore`).
    var placement: StepPlacement { get }
    func perform(_ run: RunContext) async throws -> StepResult
    func compensate(_ run: RunContext) async throws -> String?
    /// The dry-run lines for this step (empty: nothing to say). Changes nothing.
    func plan(_ plan: PlanInput) -> [String]
}

extension Step {
    public var placement: StepPlacement { .beforeCommit }
    public func compensate(_ run: RunContext) async throws -> String? { nil }
    public func plan(_ plan: PlanInput) -> [String] { [] }
}

/// Where a step runs relative to the run's commit point (see `Engine`).
public enum StepPlacement: Sendable, Equatable {
    case beforeCommit
    case afterCommit
}

/// What a step's `perform` did, as the engine needs it.
public struct StepResult: Sendable, Equatable {
    /// One line for people: identifiers only.
    public var summary: String
    /// Whether the step changed something outside rekey's own state (a token on the server, the
    /// consumer's file). A failed run that changed something was rolled back; one that changed
    /// nothing simply failed.
    public var changedTheWorld: Bool

    public init(_ summary: String, changedTheWorld: Bool = false) {
        self.summary = summary
        self.changedTheWorld = changedTheWorld
    }
}

/// An after-commit step's error that undoes the rotation: the engine compensates every step
/// before the commit point (a failed reload will: the consumer must not keep running broken).
public protocol RequiresRestore: Error {}

/// What one step did, for people and for `--json`.
public struct StepReport: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        case ok, failed, compensated
        case compensationFailed = "compensation-failed"
    }

    public var step: String
    public var outcome: Outcome
    public var detail: String
    public var milliseconds: Int
}
