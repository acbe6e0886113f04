/// What an operation reports as it goes: one stream per operation (a rotation, a rollback, the
/// settling of a dead run), for the executable's renderers (lines and JSON today; journald and
/// metrics next). Identifiers and last-eight tails only, never a secret.
public enum OperationEvent: Sendable {
    /// A step is about to perform.
    case stepStarted(step: String)
    /// A step performed (`outcome` `.ok`) or failed (`.failed`); also retention's `prune` line.
    case stepFinished(StepReport)
    /// A step was undone (`.compensated`) or could not be (`.compensationFailed`).
    case compensated(StepReport)
    /// Something people should know that does not stop the step (a file readable by others).
    case warning(step: String, message: String)
    /// What settling a dead run did (`Engine.settle`).
    case settled(Recovery.Action)
}
