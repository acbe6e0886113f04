/// A journal record as a typed event: each kind with its own payload, and a rollback's `begin` told
/// apart from a rotation's (the wire record reuses `sha256`/`sha256After`/`lastEight` for both).
///
/// The wire format stays `JournalRecord` (sorted JSON, `format` 2; records without `format` are
/// format 1 and read the same): `JournalRecord.event` reads any record as an event and
/// `JournalRecord(_:at:consumer:run:)` writes one. Steps without kinds of their own journal
/// `.step(name:detail:)`, so a new step needs no new case.
public enum JournalEvent: Sendable, Equatable {
    case begin(Begin)
    case backedUp(backup: String?, sha256: String?)
    /// Before the mint request: the token's deterministic name and the exchange deadline (seconds).
    case minting(tokenName: String?, deadline: Int?)
    /// The mint answer (its value travels sealed beside the record, never here).
    case minted(TokenInfo?)
    case rewriting(before: String?, after: String?)
    case rewritten(before: String?, after: String?, detail: String?)
    case probed(login: String?, tokenID: Int?)
    /// The commit point (format 2).
    case committed
    /// What a step without kinds of its own did (format 2).
    case step(name: String, detail: String?)
    case compensated(step: String?, detail: String?)
    /// A token deleted by recover or rollback.
    case deleted(TokenInfo)
    case recovered(detail: String?)
    case done(End)
    case rolledBack(End)
    case failed(End)

    /// How an operation began: what recover and rollback need without the playbook.
    public struct Begin: Sendable, Equatable {
        public var operation: Operation
        public var file: String?
        /// The file's SHA-256 when the operation began.
        public var fileSHA256: String?
        public var key: String?
        public var server: String?
        public var persona: String?
        public var vaultEntry: String?
        public var login: String?
        /// A rotation's: the last eight of the value the key held.
        public var previousLastEight: String?
        /// A rollback's: what it undoes and restores.
        public var rollback: Rollback?

        public struct Rollback: Sendable, Equatable {
            public var of: String?
            public var restoresSHA256: String?
            public var backup: String?
            public var keepToken: Bool
            /// The undone run's token.
            public var token: TokenInfo?

            public init(of: String?, restoresSHA256: String?, backup: String?, keepToken: Bool, token: TokenInfo?) {
                self.of = of
                self.restoresSHA256 = restoresSHA256
                self.backup = backup
                self.keepToken = keepToken
                self.token = token
            }
        }

        public init(operation: Operation, file: String?, fileSHA256: String?, key: String?, server: String?, persona: String?,
                    vaultEntry: String?, login: String?, previousLastEight: String? = nil, rollback: Rollback? = nil) {
            self.operation = operation
            self.file = file
            self.fileSHA256 = fileSHA256
            self.key = key
            self.server = server
            self.persona = persona
            self.vaultEntry = vaultEntry
            self.login = login
            self.previousLastEight = previousLastEight
            self.rollback = rollback
        }
    }

    public struct End: Sendable, Equatable {
        public var exitCode: Int32?
        public var detail: String?

        public init(exitCode: Int32? = nil, detail: String? = nil) {
            self.exitCode = exitCode
            self.detail = detail
        }
    }
}

extension JournalRecord {
    /// This record as a typed event.
    public var event: JournalEvent {
        switch kind {
        case .begin:
            let operation = self.operation ?? .rotate
            let token = tokenID.map { TokenInfo(id: $0, name: tokenName ?? "", lastEight: lastEight ?? "", scopes: []) }
            return .begin(.init(operation: operation, file: file, fileSHA256: sha256, key: key, server: server, persona: persona,
                                vaultEntry: vaultEntry, login: login,
                                previousLastEight: operation == .rotate ? lastEight : nil,
                                rollback: operation == .rollback
                                    ? .init(of: rollbackOf, restoresSHA256: sha256After, backup: backup, keepToken: keepToken ?? false, token: token)
                                    : nil))
        case .backedUp: return .backedUp(backup: backup, sha256: sha256)
        case .minting: return .minting(tokenName: tokenName, deadline: deadline)
        case .minted: return .minted(tokenID.map { TokenInfo(id: $0, name: tokenName ?? "", lastEight: lastEight ?? "", scopes: []) })
        case .rewriting: return .rewriting(before: sha256Before, after: sha256After)
        case .rewritten: return .rewritten(before: sha256Before, after: sha256After, detail: detail)
        case .probed: return .probed(login: login, tokenID: tokenID)
        case .committed: return .committed
        case .stepEvent: return .step(name: step ?? "", detail: detail)
        case .compensated: return .compensated(step: step, detail: detail)
        case .deleted: return .deleted(TokenInfo(id: tokenID ?? 0, name: tokenName ?? "", lastEight: lastEight ?? "", scopes: []))
        case .recovered: return .recovered(detail: detail)
        case .done: return .done(.init(exitCode: exitCode, detail: detail))
        case .rolledBack: return .rolledBack(.init(exitCode: exitCode, detail: detail))
        case .failed: return .failed(.init(exitCode: exitCode, detail: detail))
        }
    }

    /// The wire record of `event`, in the current format.
    public init(_ event: JournalEvent, at: Int, consumer: String, run: String) {
        switch event {
        case .begin(let begin):
            self.init(kind: .begin, at: at, consumer: consumer, run: run)
            operation = begin.operation
            file = begin.file
            sha256 = begin.fileSHA256
            key = begin.key; server = begin.server; persona = begin.persona; vaultEntry = begin.vaultEntry; login = begin.login
            lastEight = begin.previousLastEight
            if let rollback = begin.rollback {
                rollbackOf = rollback.of; sha256After = rollback.restoresSHA256; backup = rollback.backup; keepToken = rollback.keepToken
                tokenID = rollback.token?.id; tokenName = rollback.token?.name; lastEight = rollback.token?.lastEight
            }
        case .backedUp(let backup, let sha256):
            self.init(kind: .backedUp, at: at, consumer: consumer, run: run)
            self.backup = backup
            self.sha256 = sha256
        case .minting(let name, let deadline):
            self.init(kind: .minting, at: at, consumer: consumer, run: run)
            tokenName = name
            self.deadline = deadline
        case .minted(let token):
            self.init(kind: .minted, at: at, consumer: consumer, run: run)
            tokenID = token?.id; tokenName = token?.name; lastEight = token?.lastEight
        case .rewriting(let before, let after):
            self.init(kind: .rewriting, at: at, consumer: consumer, run: run)
            sha256Before = before; sha256After = after
        case .rewritten(let before, let after, let detail):
            self.init(kind: .rewritten, at: at, consumer: consumer, run: run)
            sha256Before = before; sha256After = after; self.detail = detail
        case .probed(let login, let tokenID):
            self.init(kind: .probed, at: at, consumer: consumer, run: run)
            self.login = login; self.tokenID = tokenID
        case .committed:
            self.init(kind: .committed, at: at, consumer: consumer, run: run)
        case .step(let name, let detail):
            self.init(kind: .stepEvent, at: at, consumer: consumer, run: run)
            step = name; self.detail = detail
        case .compensated(let step, let detail):
            self.init(kind: .compensated, at: at, consumer: consumer, run: run)
            self.step = step; self.detail = detail
        case .deleted(let token):
            self.init(kind: .deleted, at: at, consumer: consumer, run: run)
            tokenID = token.id; tokenName = token.name; lastEight = token.lastEight
        case .recovered(let detail):
            self.init(kind: .recovered, at: at, consumer: consumer, run: run)
            self.detail = detail
        case .done(let end), .rolledBack(let end), .failed(let end):
            let kind: Kind = switch event { case .done: .done; case .rolledBack: .rolledBack; default: .failed }
            self.init(kind: kind, at: at, consumer: consumer, run: run)
            exitCode = end.exitCode; detail = end.detail
        }
    }
}
