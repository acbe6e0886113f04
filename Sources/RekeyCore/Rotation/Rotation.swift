import Foundation
import Logging

/// One rotation of one consumer, as `rekey run` performs it: takes the consumer's lock, builds the
/// steps the playbook names, runs them through the engine and returns the report.
public struct Rotation {
    public let playbook: Playbook
    public let state: StateDirectory
    public let sealer: Sealer
    public let gitea: any GiteaAPI
    public let logger: Logger
    public var now: @Sendable () -> Date = WallClock.now
    /// The steps a playbook may name (tests add their own).
    public var registry = StepRegistry.standard
    /// How a mint refused with 502, 503 or 504 is retried (never blind: see `MintStep`). Once by default.
    public var mintRetry = RetryPolicy.once

    public init(playbook: Playbook, state: StateDirectory, sealer: Sealer, gitea: any GiteaAPI, logger: Logger) {
        self.playbook = playbook
        self.state = state
        self.sealer = sealer
        self.gitea = gitea
        self.logger = logger
    }

    /// The steps for a playbook, from the step registry: validate always comes first.
    public func steps() -> [any Step] {
        registry.steps(for: playbook.steps, services: StepServices(vault: Vault(state: state, sealer: sealer)))
    }

    /// Runs the rotation. Errors thrown here happen before any step (state dir, lock); everything
    /// after is in the report.
    /// `onStep` gets each step's report; `onEvent` the operation's whole event stream (the
    /// executable renders one of them).
    public func run(onStep: @escaping (StepReport) -> Void = { _ in },
                    onEvent: @escaping (OperationEvent) -> Void = { _ in }) async throws -> RunReport {
        try state.prepare()
        let lock = try ConsumerLock.acquire(state, consumer: playbook.consumer, wait: false)
        defer { lock.release() }
        let fileLock = try TargetLock.acquire(state, file: playbook.target.file)
        defer { fileLock.release() }
        let active = ActiveRun(state: state)
        try active.ensureNone(consumer: playbook.consumer)
        let started = now()
        let runID = RunID.make(at: started)
        try active.mark(consumer: playbook.consumer, run: runID.value)
        PhaseTrace.mark("state-locks-marker")
        let context = RunContext(
            playbook: playbook, run: runID, startedAt: started, gitea: gitea, state: state, sealer: sealer,
            journal: Journal(state: state, run: runID, sealer: sealer), logger: logger, now: now
        )
        context.mintRetry = mintRetry
        let report = await Engine(steps: steps(), onStep: onStep, onEvent: onEvent).run(context)
        // The consumer's status record (rekey status, the due check, the stuck rule), still under
        // the lock; a record that cannot be written never fails the run, it is logged.
        if let problem = StatusBook(state: state, sealer: sealer).update(playbook.consumer, { $0.record(report, playbook: playbook, at: Int(now().timeIntervalSince1970)) }) {
            logger.warning("status record not written", metadata: ["consumer": "\(playbook.consumer)", "error": "\(ErrorLine.describe(problem))"])
        }
        // A run that needs attention (a token left behind, a file not restored) keeps its marker so
        // that `rekey recover` retries what compensation could not do.
        if report.outcome != .needsAttention && report.endRecorded {
            try? active.clear(consumer: playbook.consumer)
        }
        PhaseTrace.mark("clear-marker")
        // Retention, still under the lock, once the run is done and journaled: never fails the run.
        // Its line goes to `onStep` (the `✓ prune …` line people see) but not into `report.steps`,
        // which stay the engine's journaled steps.
        if report.outcome == .rotated, let minted = context.minted {
            // The inventory: this consumer now holds the new token (never fails the run).
            do {
                try InventoryImport.recordRun(playbook: playbook, token: minted, state: state, sealer: sealer, at: now())
            } catch {
                logger.warning("the inventory was not updated: \(ErrorLine.describe(error))")
            }
        }
        if report.outcome == .rotated {
            let prune = Retention.afterSuccessfulRun(report, playbook: playbook, state: state, sealer: sealer, now: now(), logger: logger)
            onStep(prune)
            onEvent(.stepFinished(prune))
        }
        return report
    }
}
