/// A step that does not start once SIGTERM or SIGINT arrived (before the commit point): the run
/// then compensates what it did, in the same run, journaled, and ends with exit 75. A step that
/// already started runs to its end, so no side effect is cut off half-way; after the commit point
/// the rotation is proven and its remaining steps run.
struct StoppableStep: Step {
    let base: any Step
    let stop: StopFlag

    var name: String { base.name }
    var placement: StepPlacement { base.placement }

    func perform(_ run: RunContext) async throws -> StepResult {
        if placement == .beforeCommit && stop.isStopped { throw Interrupted(step: name) }
        return try await base.perform(run)
    }

    func compensate(_ run: RunContext) async throws -> StepDetail? { try await base.compensate(run) }
    func plan(_ plan: PlanInput) -> [PlanItem] { base.plan(plan) }
}

extension StepRegistry {
    /// This registry with every step made stoppable by `stop`.
    func stoppable(by stop: StopFlag) -> StepRegistry {
        StepRegistry(entries.map { entry in
            var wrapped = entry
            let make = entry.make
            wrapped.make = { services in StoppableStep(base: make(services), stop: stop) }
            return wrapped
        })
    }
}

/// SIGTERM or SIGINT stopped the run before `step`; what it did was undone. Exit 75.
public struct Interrupted: RekeyError {
    public var step: String
    public var exitStatus: ExitStatus { .busy }
    public var description: String { "stopped by a signal before the \(step) step; what the run did was undone, the next run rotates" }
}
