import Foundation

/// Opt-in (`steps:` must list it), after the commit point and after `reload`: deletes the token the
/// file held before this run when the gate allows (`RevocationGate`), else records it as pending
/// (`revocations/`) with the reason; the run succeeds either way.
///
/// The previous token is the value the file held when validate read it (kept in memory, never
/// re-read from the rewritten file), found by its keyed fingerprint in the inventory when rekey
/// recorded it, else in the persona's token list by a unique match of its last eight. rekey never
/// authenticates with it: that would update its `last_used_at`.
///
/// Journal: `step` records with `step` = `revoke-previous`, `tokenID`, `lastEight` and a `detail`
/// starting with `revoking` (before the delete request), `revoked`, `pending`, `gone` or
/// `not identified`, naming who held the token.
public struct RevokePreviousStep: Step {
    public static let stepName = "revoke-previous"
    public var name: String { Self.stepName }
    public var placement: StepPlacement { .afterCommit }

    public init() {}

    public func perform(_ run: RunContext) async throws -> StepResult {
        let playbook = run.playbook
        let (original, _, _) = try run.requireOriginal()
        guard let minted = run.minted else { throw EngineError.missingPrerequisite("minted token", step: "mint") }
        let previous = try EnvDocument(contents: original, path: playbook.target.file).value(of: playbook.target.key)
        guard InventoryImport.looksLikeToken(previous) else {
            return StepResult(.said("the file held no gitea token before this run; nothing to revoke"))
        }
        let lastEight = previous.displayLastEight ?? ""
        let fingerprint = try FingerprintKey.loadOrCreate(state: run.state, sealer: run.sealer).fingerprint(previous)
        let inventory = InventoryStore(state: run.state, sealer: run.sealer)
        let holdings = try inventory.all()
        let credential = try run.requireCredential()
        // Which token: rekey's own record of it first, else a unique last-eight match.
        let known = holdings.first { $0.fingerprint == fingerprint && $0.tokenID != nil && ($0.server == nil || $0.server == playbook.gitea.url) }
        let provider = run.provider
        let listing = await Result.capturing { () async throws(ProviderError) in
            try await provider.list(auth: credential)
        }
        if case .failure(let error) = listing, let known, let id = known.tokenID {
            // The token is known: keep it pending, so that `rekey revoke --pending` tries again.
            let info = TokenInfo(id: id, name: known.tokenName ?? "", lastEight: known.lastEight, scopes: [])
            var record = newRecord(run, token: info, fingerprint: fingerprint)
            record.decide(.pending, reason: "the server could not list the tokens of \(playbook.gitea.persona): \(error.description)",
                          holders: [], at: Int(run.now().timeIntervalSince1970), by: "run \(run.run.value)")
            try RevocationStore(state: run.state, sealer: run.sealer).save(record)
            let summary = "pending \(record.label): \(record.reason ?? "")"
            try journal(run, summary, id: id, lastEight: known.lastEight)
            return StepResult(.said(summary))
        }
        let tokens = try listing.get().filter { $0.id != minted.info.id }
        let candidates = known?.tokenID.map { id in tokens.filter { $0.id == id } } ?? tokens.filter { $0.lastEight == lastEight }
        guard candidates.count == 1, let token = candidates.first else {
            let reason = candidates.isEmpty
                ? "no token of \(playbook.gitea.persona) ends in …\(lastEight) (gone, or another persona's)"
                : "\(candidates.count) tokens of \(playbook.gitea.persona) end in …\(lastEight); rekey cannot tell which one the file held"
            try journal(run, "not identified: \(reason); the old token is left as it is", id: nil, lastEight: lastEight)
            return StepResult(.said("…\(lastEight) not revoked: \(reason)"))
        }
        // The server listed it: imported holdings of the same value learn its id.
        try inventory.update { holding in
            guard holding.fingerprint == fingerprint, holding.tokenID == nil else { return }
            holding.tokenID = token.id
            holding.tokenName = token.name
            holding.persona = playbook.gitea.persona
            holding.server = playbook.gitea.url
        }

        let store = RevocationStore(state: run.state, sealer: run.sealer)
        let revoker = Revoker(state: run.state, sealer: run.sealer, now: run.now)
        var record = try store.load(RevocationRecord.name(tokenID: token.id, server: playbook.gitea.url))
            ?? newRecord(run, token: token, fingerprint: fingerprint)
        // The latest replacement counts: a consumer that shared the token used it until this run
        // replaced it, which is no sign of an unknown consumer.
        record.fingerprint = fingerprint
        record.policy = playbook.revocation
        record.consumer = playbook.consumer
        record.run = run.run.value
        record.replacedAt = Int(run.now().timeIntervalSince1970)
        let holders = revoker.holders(of: record, in: holdings, except: (playbook.target.file, playbook.target.key))
        try await revoker.evaluate(&record, tokens: tokens, holders: holders, provider: run.provider, credential: credential,
                                   by: "run \(run.run.value)") { intent in
            try journal(run, intent, id: token.id, lastEight: token.lastEight) {
                $0.tokenName = token.name
                $0.revocation = playbook.revocation
            }
            CrashPoint.reach("revoke-previous-after-intent")
        }
        try store.save(record)
        let who = holders.isEmpty ? "held by no other known consumer" : "held by \(holders.joined(separator: ", "))"
        let summary: String
        switch record.status {
        case .revoked: summary = "revoked \(record.label); \(who)"
        case .pending: summary = "pending \(record.label): \(record.reason ?? "")"
        case .gone, .cancelled: summary = "\(record.status.rawValue) \(record.label): \(record.reason ?? "")"
        }
        try journal(run, summary, id: token.id, lastEight: token.lastEight)
        return StepResult(.said(summary), changedTheWorld: record.status == .revoked)
    }

    /// A revocation record of the token this run replaced.
    private func newRecord(_ run: RunContext, token: TokenInfo, fingerprint: String) -> RevocationRecord {
        let playbook = run.playbook
        return RevocationRecord(
            tokenID: token.id, tokenName: token.name, lastEight: token.lastEight, fingerprint: fingerprint,
            persona: playbook.gitea.persona, server: playbook.gitea.url, vaultEntry: playbook.gitea.auth,
            caFile: playbook.gitea.caFile, insecureHTTP: playbook.gitea.insecureHTTP, consumer: playbook.consumer,
            run: run.run.value, replacedAt: Int(run.now().timeIntervalSince1970), policy: playbook.revocation, status: .pending)
    }

    private func journal(_ run: RunContext, _ detail: String, id: Int?, lastEight: String,
                         _ fill: (inout JournalRecord) -> Void = { _ in }) throws {
        var record = run.newRecord(.stepEvent)
        record.step = Self.stepName
        record.tokenID = id
        record.lastEight = lastEight
        record.detail = detail
        fill(&record)
        try run.journal.append(record)
    }

    public func plan(_ plan: PlanInput) -> [PlanItem] {
        [.revokePrevious(graceSeconds: plan.playbook.revocation.graceSeconds)]
    }
}

extension RevokePreviousStep {
    /// `rekey recover`, finishing a run that died inside this step after announcing a deletion
    /// (the journal's last record of the step is the intent, with the token and the playbook's
    /// policy): the token may or may not be deleted, and its revocation record may not be written.
    /// The revocation is left pending in the revocations store, so that `rekey revoke --pending`
    /// (and the unattended mode) settles it: it finds the token gone, or revokes it under the gate.
    public func settle(from dead: DeadRun) async throws {
        guard !dead.mustUndo else { return }
        let records = dead.journal.records.filter { $0.kind == .stepEvent && $0.step == Self.stepName }
        guard let intent = records.last, intent.revocation != nil, let id = intent.tokenID, let server = dead.begin.server else { return }
        let services = dead.services
        let store = RevocationStore(state: services.state, sealer: services.sealer)
        let at = Int(services.now().timeIntervalSince1970)
        var record = try store.load(RevocationRecord.name(tokenID: id, server: server)) ?? RevocationRecord(
            tokenID: id, tokenName: intent.tokenName ?? "", lastEight: intent.lastEight ?? "", fingerprint: try? Self.previousFingerprint(dead),
            persona: dead.begin.persona ?? "", server: server, vaultEntry: dead.begin.vaultEntry ?? dead.begin.persona ?? "",
            caFile: nil, insecureHTTP: false, consumer: dead.journal.consumer, run: dead.journal.run, replacedAt: intent.at,
            policy: intent.revocation ?? RevocationPolicy(), status: .pending)
        guard record.status != .revoked && record.status != .gone else { return }
        let reason = "run \(dead.journal.run) died while revoking it; rekey revoke --pending finds out whether it is gone"
        record.decide(.pending, reason: reason, holders: [], at: at, by: "recover of run \(dead.journal.run)")
        try store.save(record)
        try dead.record(.step(name: Self.stepName, detail: "pending \(record.label): \(reason)"))
        dead.note(.revocationPending(tokenID: id, lastEight: record.lastEight))
    }

    /// The keyed fingerprint of the value the file held before the run (from its backup), which
    /// the revocation gate compares with the known consumers' holdings.
    private static func previousFingerprint(_ dead: DeadRun) throws -> String? {
        guard let backup = dead.journal.first(.backedUp)?.backup, let consumer = dead.journal.consumer,
              let file = dead.begin.file, let key = dead.begin.key else { return nil }
        let services = dead.services
        let bytes = try BackupArchive.open(backup, consumer: consumer, file: file, run: dead.journal.run, sealer: services.sealer)
        let previous = try EnvDocument(contents: bytes, path: file).value(of: key)
        return try FingerprintKey.loadOrCreate(state: services.state, sealer: services.sealer).fingerprint(previous)
    }
}
