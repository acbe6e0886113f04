import Foundation
import Logging

/// Everything one run needs and learns. Steps read the inputs and record what they did in `facts`,
/// so that later steps, compensations, the outcome and the final report see one consistent picture.
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

    /// The consumer's env file: every access of the run goes through it (validate opens it).
    public let target: ConsumerFile

    /// What the run did to the world (the same facts `RunFacts(records:)` reads back from the journal).
    public var facts = RunFacts()
    /// How the mint step retries a mint refused with 502, 503 or 504 (`Rotation.mintRetry`).
    public var mintRetry = RetryPolicy.once

    // Working values that hold secrets or parsed input; never journaled as such.
    public var credential: BasicCredential?
    public var original: SecretBytes?
    public var document: EnvDocument?
    /// The minted token with its value (its identifiers are in `facts.minted`).
    public var minted: MintedToken? {
        didSet { facts.minted = minted?.info }
    }

    public init(playbook: Playbook, run: RunID, startedAt: Date, gitea: any GiteaAPI, state: StateDirectory,
                sealer: Sealer, journal: Journal, logger: Logger, now: @escaping @Sendable () -> Date = WallClock.now,
                target: ConsumerFile? = nil) {
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
        facts.file = playbook.target.file
        // An operation that opened and checked the file already hands it over (never re-resolved).
        self.target = target ?? ConsumerFile(path: playbook.target.file)
    }

    /// The secret provider, with the playbook's provider section bound (Gitea: persona and scopes).
    public var provider: any TokenProvider {
        GiteaProvider(api: gitea, persona: playbook.gitea.persona, scopes: playbook.gitea.scopes)
    }

    /// The operation's event stream, connected by `Engine.run`.
    public var emit: (OperationEvent) -> Void = { _ in }

    /// Reports a warning of `step`: logged, and on the event stream.
    public func warn(_ message: String, step: String) {
        logger.warning("\(message)")
        emit(.warning(step: step, message: message))
    }

    /// The vault credential loaded by validate; steps after it may rely on it.
    public func requireCredential() throws -> BasicCredential {
        guard let credential else { throw EngineError.missingPrerequisite("vault credential", step: "validate") }
        return credential
    }

    public func requireOriginal() throws -> (bytes: SecretBytes, sha256: String, document: EnvDocument) {
        guard let original, let originalSHA256 = facts.fileBefore, let document else {
            throw EngineError.missingPrerequisite("env file contents", step: "validate")
        }
        return (original, originalSHA256, document)
    }

    /// Journals `event` (with `secret`, sealed beside it) for this run, the file named.
    public func record(_ event: JournalEvent, secret: SecretBytes? = nil) throws {
        var record = JournalRecord(event, at: Int(now().timeIntervalSince1970), consumer: playbook.consumer, run: run.value)
        record.file = playbook.target.file
        try journal.append(record, secret: secret)
    }

    /// A journal record for this run with the common fields filled in.
    public func newRecord(_ kind: JournalRecord.Kind) -> JournalRecord {
        var record = JournalRecord(kind: kind, at: Int(now().timeIntervalSince1970), consumer: playbook.consumer, run: run.value)
        record.file = playbook.target.file
        return record
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
