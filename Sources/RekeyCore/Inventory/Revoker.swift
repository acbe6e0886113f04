import Foundation

/// Applies the gate to one recorded old token and acts on it: deletes it by id when the gate
/// allows, else keeps it pending with the reason. Shared by the `revoke-previous` step, `rekey
/// revoke --pending` and the end of an unattended invocation (`PendingRevocations.settle`).
public struct Revoker: Sendable {
    public let state: StateDirectory
    let sealer: Sealer
    public let now: @Sendable () -> Date

    public init(state: StateDirectory, sealer: Sealer, now: @escaping @Sendable () -> Date = WallClock.now) {
        self.state = state
        self.sealer = sealer
        self.now = now
    }

    /// Every known place that holds the token, as `FILE:KEY (consumer)`, leaving out `except`
    /// (the place a run is replacing it in right now).
    public func holders(of record: RevocationRecord, in holdings: [Holding], except: (file: String, key: String)? = nil) -> [String] {
        holdings.filter { holding in
            if let except, holding.isPlace(file: except.file, key: except.key) { return false }
            if let fingerprint = record.fingerprint, holding.fingerprint == fingerprint { return true }
            if holding.tokenID == record.tokenID, holding.server == nil || holding.server == record.server { return true }
            return false
        }.map { $0.source == .run ? "\($0.consumer) (\($0.place))" : $0.place }.sorted()
    }

    /// Decides about `record` from the persona's current token list and acts; `announce` is
    /// called with the intent before the delete request (the run journals it there).
    public func evaluate(_ record: inout RevocationRecord, tokens: [TokenInfo], holders: [String], provider: any TokenProvider,
                         credential: BasicCredential, by: String, confirmed: Bool = false,
                         announce: (String) throws -> Void = { _ in }) async throws {
        let at = Int(now().timeIntervalSince1970)
        guard let token = tokens.first(where: { $0.id == record.tokenID }) else {
            record.decide(.gone, reason: "no token \(record.tokenID) of \(record.persona) exists on the server any more", holders: holders, at: at, by: by)
            return
        }
        let gate = RevocationGate(policy: record.policy)
        switch gate.decide(token: token, holders: holders, replacedAt: Date(timeIntervalSince1970: TimeInterval(record.replacedAt)),
                           now: now(), confirmed: confirmed) {
        case .pending(let reason):
            record.decide(.pending, reason: reason, holders: holders, at: at, by: by)
        case .revoke:
            let usage = token.lastUsedAt.map { "last used \(UTCFormat.iso($0))" } ?? "no usage data"
            try announce("revoking \(record.label): held by no known consumer, \(usage)")
            let result = await Result.capturing { () async throws(ProviderError) in
                try await provider.delete(id: record.tokenID, auth: credential)
            }
            if case .failure(let error) = result {
                guard error.kind == .notFound else {
                    record.decide(.pending, reason: "deleting it failed: \(error.description)", holders: holders, at: at, by: by)
                    return
                }
                record.decide(.gone, reason: "already deleted on the server", holders: holders, at: at, by: by)
                return
            }
            record.decide(.revoked, reason: usage, holders: holders, at: at, by: by)
        }
    }
}

/// What settling one pending revocation did, for people and `--json`.
public struct SettledRevocation: Sendable, Codable, Equatable {
    public var record: RevocationRecord
    /// Set when the server or the vault could not be asked; the record stays pending.
    public var problem: String?

    public init(record: RevocationRecord, problem: String?) {
        self.record = record
        self.problem = problem
    }

    public var line: String {
        if let problem { return "! \(record.label): \(problem); still pending" }
        switch record.status {
        case .revoked: return "✓ revoked \(record.label)"
        case .gone: return "✓ \(record.label): \(record.reason ?? "gone")"
        case .cancelled: return "- \(record.label): cancelled (\(record.reason ?? ""))"
        case .pending: return "… \(record.label) pending: \(record.reason ?? "")"
        }
    }
}

/// `rekey revoke --pending`, and what the unattended mode calls at the end of an invocation:
/// settles every pending revocation the gate now allows, and leaves the rest pending with their
/// current reason. Each one is decided under its consumer's lock; a busy consumer is left for the
/// next call, so the unattended mode calls `settle` once it has released the consumers' locks.
public struct PendingRevocations: Sendable {
    public let revoker: Revoker

    public init(state: StateDirectory, sealer: Sealer, now: @escaping @Sendable () -> Date = WallClock.now) {
        revoker = Revoker(state: state, sealer: sealer, now: now)
    }

    public func pending() throws -> [RevocationRecord] {
        try RevocationStore(state: revoker.state, sealer: revoker.sealer).all().filter { $0.status == .pending }
    }

    /// - Parameters:
    ///   - client: the provider for a record's server and persona (Gitea: its `server`, `caFile`,
    ///     `insecureHTTP` and `persona`).
    ///   - confirm: the token id an operator confirmed (`--confirm`): no usage data, or a use after
    ///     the replacement, no longer keeps that one.
    public func settle(confirm: Int? = nil, client: (RevocationRecord) throws -> any TokenProvider) async throws -> [SettledRevocation] {
        let store = RevocationStore(state: revoker.state, sealer: revoker.sealer)
        let inventory = InventoryStore(state: revoker.state, sealer: revoker.sealer)
        let vault = Vault(state: revoker.state, sealer: revoker.sealer)
        var results: [SettledRevocation] = []
        for var record in try pending() where confirm == nil || record.tokenID == confirm {
            let lock: ConsumerLock?
            do {
                lock = try record.consumer.map { try ConsumerLock.acquire(revoker.state, consumer: $0, wait: false) }
            } catch {
                results.append(SettledRevocation(record: record, problem: "consumer \(record.consumer ?? "?") is busy"))
                continue
            }
            defer { lock?.release() }
            do {
                let provider = try client(record)
                let credential = try vault.load(record.vaultEntry)
                let tokens = try await provider.list(auth: credential)
                let holders = revoker.holders(of: record, in: try inventory.all())
                try await revoker.evaluate(&record, tokens: tokens, holders: holders, provider: provider, credential: credential,
                                           by: "revoke --pending", confirmed: confirm == record.tokenID)
                try store.save(record)
                results.append(SettledRevocation(record: record, problem: nil))
            } catch {
                results.append(SettledRevocation(record: record, problem: ErrorLine.describe(error)))
            }
        }
        return results
    }

    /// Called after a successful rollback of `run`: its file holds the old token again, so a
    /// pending revocation of that token is cancelled.
    public func cancel(run: String, rollbackRun: String?) throws {
        let store = RevocationStore(state: revoker.state, sealer: revoker.sealer)
        for var record in try store.all() where record.run == run && record.status == .pending {
            record.decide(.cancelled, reason: "run \(run) was rolled back", holders: [], at: Int(revoker.now().timeIntervalSince1970),
                          by: "rollback \(rollbackRun ?? "?")")
            try store.save(record)
        }
    }

    /// Why a rollback of `run` must not restore its backup: the token that backup holds was revoked
    /// (by the run's `revoke-previous` step or a later `revoke --pending`). Nil when it was not.
    public func revokedPrevious(of run: RunJournal) throws -> String? {
        if let event = run.records.last(where: { $0.kind == .stepEvent && $0.step == RevokePreviousStep.stepName && $0.detail?.hasPrefix("revoked") == true }) {
            return "run \(run.run) revoked the token it replaced (\(event.detail ?? "")); restoring the backup would give the consumer a dead token. rotate instead (rekey run)"
        }
        let store = RevocationStore(state: revoker.state, sealer: revoker.sealer)
        let decidedBy = "run \(run.run)"
        if let record = try store.all().first(where: { record in
            record.status == .revoked && (record.run == run.run || record.decisions.contains { $0.by == decidedBy })
        }) {
            let when = record.decisions.last.map { UTCFormat.iso(Date(timeIntervalSince1970: TimeInterval($0.at))) } ?? "?"
            return "the token run \(run.run) replaced, \(record.label), was revoked at \(when) (\(record.decisions.last?.by ?? "?")); restoring the backup would give the consumer a dead token. rotate instead (rekey run)"
        }
        return nil
    }
}
