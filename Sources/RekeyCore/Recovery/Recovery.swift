import Foundation
import Logging

/// `rekey recover`: finishes or undoes every unfinished run (a run whose process died, or one that
/// ended needing attention), deciding from the journal, the file's current bytes and the server:
///
/// - the file holds the run's new token and it probes fine → finish the run (`done`);
/// - the file holds the new token but the server refuses it → restore the backup, delete the token;
/// - otherwise → make sure the file holds its original bytes (restore them if it holds the new
///   token) and delete the run's token: by id when `minted` was journaled, else by looking up the
///   journaled name (the answer was lost after the server committed).
///
/// Temp files left beside the env file by an interrupted replace are removed (they may hold the
/// new token). Idempotent: a run it has settled has no marker any more, and a second `recover`
/// finds nothing to do. When the server cannot be asked, the run stays unfinished (exit 69).
public struct Recovery {
    public struct Outcome: Sendable, Codable {
        public var consumer: String
        public var run: String
        public var settled: Bool
        public var exitCode: Int32
        /// What recover did, in order; the executable renders each as a line.
        public var actions: [Action]
        public var state: String
    }

    /// One thing recover did or found while settling a run. Tokens appear only as their shown tail.
    public enum Action: Sendable, Codable, Equatable {
        case diedBeforeFirstRecord
        case diedBeforeChanges
        case removedTempFile(String)
        /// The file holds the new token and it authenticates: the run is finished.
        case finished(token: String, login: String)
        case wrongLogin(login: String, expected: String)
        case tokenRefused(status: Int)
        case fileEditedDuringRotation(file: String)
        case restored(file: String, backup: String)
        /// A token deleted, found gone, or none by the run's name.
        case tokenDeletion(TokenDeletion)
        case rollbackFinished(file: String, of: String)
        case rollbackDiedBeforeRestore(file: String)
        case fileEditedDuringRollback(file: String)
        /// What a step without actions of its own did while settling (its name, identifiers only).
        case step(name: String, detail: String)
        /// The run died inside its reload: the consumer was reloaded again with the new file.
        case reloaded(commands: [String])
        /// The consumer was reloaded with the restored original bytes.
        case reloadedOriginal(command: String)
        /// The run died while revoking the token it replaced: that revocation is now pending.
        case revocationPending(tokenID: Int, lastEight: String)
        /// Finishing the run, a step asked for it to be undone (a reload that failed again).
        case undoneBecause(step: String, error: String)
    }

    public let services: RecoveryServices
    var state: StateDirectory { services.state }

    public init(state: StateDirectory, sealer: Sealer, logger: Logger, waitForMints: Bool = true,
                registry: StepRegistry = .standard, gitea: @escaping @Sendable (String) -> any GiteaAPI) {
        var services = RecoveryServices(state: state, sealer: sealer, logger: logger, gitea: gitea)
        services.waitForMints = waitForMints
        services.registry = registry
        self.services = services
    }

    /// Recovers every unfinished run, or only `consumer`'s.
    public func recoverAll(consumer only: String? = nil) async -> [Outcome] {
        var outcomes: [Outcome] = []
        for (consumer, run) in ActiveRun(state: state).all() where only == nil || only == consumer {
            outcomes.append(await recover(consumer: consumer, run: run))
        }
        return outcomes
    }

    public func recover(consumer: String, run: String) async -> Outcome {
        var actions: [Action] = []
        do {
            let lock = try ConsumerLock.acquire(state, consumer: consumer, wait: false)
            defer { lock.release() }
            // Another recover may have settled it while we waited for nothing.
            guard ActiveRun(state: state).current(consumer: consumer) == run else {
                return Outcome(consumer: consumer, run: run, settled: true, exitCode: 0, actions: [], state: "already settled")
            }
            guard FileManager.default.fileExists(atPath: state.journalPath(run: run)) else {
                try ActiveRun(state: state).clear(consumer: consumer)
                return Outcome(consumer: consumer, run: run, settled: true, exitCode: 0,
                               actions: [.diedBeforeFirstRecord], state: "nothing had changed")
            }
            let journal = try RunJournal.load(state: state, run: run, sealer: services.sealer)
            let settler = RunSettler(journal: journal, services: services)
            let result = try await settler.settle(actions: &actions)
            try ActiveRun(state: state).clear(consumer: consumer)
            return Outcome(consumer: consumer, run: run, settled: true, exitCode: 0, actions: actions, state: result)
        } catch {
            let status = (error as? any RekeyError)?.exitStatus ?? .software
            return Outcome(consumer: consumer, run: run, settled: false, exitCode: status.rawValue,
                           actions: actions, state: "left unfinished: \(Engine.describe(error)); run rekey recover again once that is fixed")
        }
    }
}
