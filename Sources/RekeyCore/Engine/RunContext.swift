import Foundation
import Logging

/// Everything one run needs and learns. Steps read the inputs and record what they did, so that
/// later steps, compensations and the final report see one consistent picture.
public final class RunContext {
    // Inputs
    public let playbook: Playbook
    public let run: RunID
    public let startedAt: Date
    public let gitea: any GiteaAPI
    public let state: StateDirectory
    public let sealer: Sealer
    public let journal: Journal
    public let logger: Logger
    public let now: @Sendable () -> Date

    // Learned by validate
    /// The env file, opened once by validate: rewrite, compensation and restore go through it.
    public var target: TargetFile?
    public var credential: BasicCredential?
    public var original: SecretBytes?
    public var originalSHA256: String?
    public var document: EnvDocument?
    public var previousLastEight: String?

    // Learned by backup
    public var backupPath: String?

    // Learned by mint
    /// The deterministic name of this run's token, known (and journaled) before the mint request.
    public var tokenName: String?
    /// Set when the mint request was sent: the server may hold a token even if no answer came back.
    public var mintAttempted = false
    public var minted: MintedToken?

    // Learned by rewrite
    public var rewriteAttempted = false
    public var rewrittenSHA256: String?


    public init(playbook: Playbook, run: RunID, startedAt: Date, gitea: any GiteaAPI, state: StateDirectory,
                sealer: Sealer, journal: Journal, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.playbook = playbook
        self.run = run
        self.startedAt = startedAt
        self.gitea = gitea
        self.state = state
        self.sealer = sealer
        self.journal = journal
        var logger = logger
        logger[metadataKey: "consumer"] = "\(playbook.consumer)"
        logger[metadataKey: "run"] = "\(run.value)"
        self.logger = logger
        self.now = now
    }

    /// The vault credential loaded by validate; steps after it may rely on it.
    public func requireCredential() throws -> BasicCredential {
        guard let credential else { throw EngineError.missingPrerequisite("vault credential", step: "validate") }
        return credential
    }

    /// The env file handle opened by validate.
    public func requireTarget() throws -> TargetFile {
        guard let target else { throw EngineError.missingPrerequisite("env file handle", step: "validate") }
        return target
    }

    public func requireOriginal() throws -> (bytes: SecretBytes, sha256: String, document: EnvDocument) {
        guard let original, let originalSHA256, let document else {
            throw EngineError.missingPrerequisite("env file contents", step: "validate")
        }
        return (original, originalSHA256, document)
    }
}

/// Misuse of the engine itself (a playbook's steps out of order slipped past validation).
public enum EngineError: RekeyError {
    case missingPrerequisite(String, step: String)

    public var exitStatus: ExitStatus { .software }
    public var description: String {
        switch self {
        case .missingPrerequisite(let what, let step):
            "internal error: \(what) missing; the \(step) step must run first (please report this)"
        }
    }
}
