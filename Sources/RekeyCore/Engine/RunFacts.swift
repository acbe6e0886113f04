/// What one run did to the world, in one place: the steps record it as they go, the closing
/// sentence and the outcome are computed from it, and `RunFacts(journal:)` reads the same facts
/// back from a journal for `recover`, `rollback` and `history`.
public struct RunFacts: Sendable, Equatable {
    public var operation: Operation = .rotate
    public var file: String?
    /// The SHA-256 of the file's bytes when the run began.
    public var fileBefore: String?
    /// The last eight of the value the key held when the run began.
    public var previousLastEight: String?
    /// The SHA-256 of the bytes the run wrote (or, for a rewrite the run announced but may not
    /// have finished, would write: see `fileAfter`).
    public var fileIntended: String?
    /// The SHA-256 the file is known to hold after the run's rewrite: journaled by `rewritten`,
    /// or implied by the commit (a run commits only after its rewrite completed, so a run that
    /// `recover` finished after a kill between the rename and the `rewritten` record holds the
    /// announced bytes).
    public var fileWritten: String?
    public var rewriteAttempted = false
    public var backup: String?
    /// The deterministic name of the run's token, known (and journaled) before the mint request.
    public var tokenName: String?
    /// Set when the mint request was sent: the server may hold a token even if no answer came back.
    public var mintAttempted = false
    public var minted: TokenInfo?
    public var tokenDeleted = false
    /// The run passed its commit point: every step before it succeeded, the new secret is proven.
    public var committed = false

    public init() {}

    /// The file's bytes after the rewrite, as far as the journal proves them.
    public var fileAfter: String? { fileWritten ?? (committed ? fileIntended : nil) }
}

extension RunFacts {
    /// The facts a journal records, folded over its records in order. Reads journals of every
    /// format version (see `JournalRecord.formatVersion`).
    public init(records: [JournalRecord]) {
        self.init()
        for record in records {
            switch record.event {
            case .begin(let begin):
                operation = begin.operation
                file = begin.file
                fileBefore = begin.fileSHA256
                if let rollback = begin.rollback {
                    // A rollback's begin names the bytes it restores; its token is the undone run's.
                    fileIntended = rollback.restoresSHA256
                } else {
                    previousLastEight = begin.previousLastEight
                }
            case .backedUp(let backup, _):
                self.backup = backup
            case .minting(let name, _):
                tokenName = name
                mintAttempted = true
            case .minted(let token):
                mintAttempted = true
                tokenName = token?.name ?? tokenName
                minted = token
            case .rewriting(_, let after):
                rewriteAttempted = true
                fileIntended = after
            case .rewritten(_, let after, _):
                fileWritten = after
            case .probed:
                // Format 1 has no commit record: a rotation's probe was its commit.
                committed = committed || operation == .rotate
            case .committed, .done:
                committed = true
            case .compensated(let step, _) where step == MintStep.stepName:
                tokenDeleted = true
            case .deleted:
                tokenDeleted = true
            case .compensated, .recovered, .rolledBack, .failed, .step:
                break
            }
        }
    }
}

/// What a journaled operation is.
public enum Operation: String, Sendable, Codable, Equatable {
    case rotate
    case rollback
}
