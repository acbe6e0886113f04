/// One step of a rotation. `perform` does the step's side effect and returns a one-line summary for
/// people (identifiers only, never a secret). `compensate` undoes whatever `perform` did or may have
/// done — it is called for the failing step too, so it must check what actually happened and be
/// idempotent — and returns a summary, or `nil` when there was nothing to undo.
public protocol Step {
    var name: String { get }
    func perform(_ run: RunContext) async throws -> String
    func compensate(_ run: RunContext) async throws -> String?
}

extension Step {
    public func compensate(_ run: RunContext) async throws -> String? { nil }
}

/// The result a person sees for one step.
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
