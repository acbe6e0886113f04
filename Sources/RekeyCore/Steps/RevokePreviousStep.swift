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
            return StepResult("the file held no gitea token before this run; nothing to revoke")
        }
        let lastEight = previous.displayLastEight ?? ""
        let fingerprint = try FingerprintKey.loadOrCreate(state: run.state, sealer: run.sealer).fingerprint(previous)
        let inventory = InventoryStore(state: run.state, sealer: run.sealer)
        let holdings = try inventory.all()
        let credential = try run.requireCredential()
        // Which token: rekey's own record of it first, else a unique last-eight match.
        let known = holdings.first { $0.fingerprint == fingerprint && $0.tokenID != nil && ($0.server == nil || $0.server == playbook.gitea.url) }
        let listing = await Result.capturing { () async throws(GiteaError) in
            try await run.gitea.listTokens(persona: playbook.gitea.persona, auth: credential)
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
            return StepResult(summary)
        }
        let tokens = try listing.get().filter { $0.id != minted.info.id }
        let candidates = known?.tokenID.map { id in tokens.filter { $0.id == id } } ?? tokens.filter { $0.lastEight == lastEight }
        guard candidates.count == 1, let token = candidates.first else {
            let reason = candidates.isEmpty
                ? "no token of \(playbook.gitea.persona) ends in …\(lastEight) (gone, or another persona's)"
                : "\(candidates.count) tokens of \(playbook.gitea.persona) end in …\(lastEight); rekey cannot tell which one the file held"
            try journal(run, "not identified: \(reason); the old token is left as it is", id: nil, lastEight: lastEight)
            return StepResult("…\(lastEight) not revoked: \(reason)")
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
        try await revoker.evaluate(&record, tokens: tokens, holders: holders, gitea: run.gitea, credential: credential,
                                   by: "run \(run.run.value)") { intent in
            try journal(run, intent, id: token.id, lastEight: token.lastEight)
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
        return StepResult(summary, changedTheWorld: record.status == .revoked)
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

    private func journal(_ run: RunContext, _ detail: String, id: Int?, lastEight: String) throws {
        var record = run.newRecord(.stepEvent)
        record.step = Self.stepName
        record.tokenID = id
        record.lastEight = lastEight
        record.detail = detail
        try run.journal.append(record)
    }

    public func plan(_ plan: PlanInput) -> [String] {
        let policy = plan.playbook.revocation
        return ["  revoke-previous  would revoke the replaced token once no known consumer holds it, \(DurationText.format(seconds: policy.graceSeconds)) after the rotation, unused since (else pending)"]
    }
}
