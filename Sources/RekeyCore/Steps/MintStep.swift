import Foundation

/// Mints the run's token for the persona. The deterministic name is journaled (`minting`) before the
/// request and the answer (`minted`, with the sealed value) before anything else happens, so a run
/// that dies here can always find its token again by name.
public struct MintStep: Step {
    public static let stepName = "mint"
    public var name: String { Self.stepName }

    public init() {}

    public func perform(_ run: RunContext) async throws -> StepResult {
        let credential = try run.requireCredential()
        let playbook = run.playbook
        let name = playbook.tokenName(run: run.run.value, date: run.startedAt)
        run.facts.tokenName = name

        let provider = run.provider
        try run.record(.minting(tokenName: name, deadline: Int(provider.exchangeDeadline.components.seconds)))

        CrashPoint.reach("mint-before-request")
        run.facts.mintAttempted = true
        let result = await Self.mintRetrying(run, provider: provider, name: name, credential: credential)
        if case .failure(let error) = result, !Self.mayHaveMinted(error) {
            run.facts.mintAttempted = false  // the server certainly minted nothing: nothing to look for
        }
        let token = try result.get()
        run.minted = token

        try run.record(.minted(TokenInfo(id: token.info.id, name: token.info.name, lastEight: token.info.lastEight, scopes: [])),
                       secret: token.value)
        run.logger.info("minted", metadata: ["token-id": "\(token.info.id)", "token-last8": "\(token.info.lastEight)"])
        return StepResult(.minted(token.info, persona: playbook.gitea.persona), changedTheWorld: true)
    }

    /// The mint, retried under `run.mintRetry` only when the server answered 502, 503 or 504, and
    /// never blind: before each retry the name is looked up, and a token found by it (a proxy gave
    /// up while gitea committed) is deleted by id first, so that at most one token of the run exists.
    /// A lost answer or a timeout is not retried here: compensation and recover find it by name.
    static func mintRetrying(_ run: RunContext, provider: any TokenProvider, name: String, credential: BasicCredential) async -> Result<MintedToken, ProviderError> {
        var attempt = 1
        while true {
            let result = await Result.capturing { () async throws(ProviderError) -> MintedToken in
                try await provider.mint(name: name, auth: credential)
            }
            guard case .failure(let error) = result, attempt < run.mintRetry.attempts,
                  let status = error.status, [502, 503, 504].contains(status) else { return result }
            let lookup = await Result.capturing { () async throws(ProviderError) -> TokenInfo? in
                try await provider.find(named: name, auth: credential)
            }
            switch lookup {
            case .failure: return result
            case .success(let found?):
                let deleted = await Result.capturing { () async throws(ProviderError) in
                    try await provider.delete(id: found.id, auth: credential)
                }
                if case .failure = deleted { return result }
            case .success(nil): break
            }
            run.logger.info("mint retried", metadata: ["status": "\(status)", "attempt": "\(attempt + 1)"])
            await run.mintRetry.sleep(run.mintRetry.delay(afterAttempt: attempt))
            attempt += 1
        }
    }

    public func plan(_ plan: PlanInput) -> [PlanItem] {
        [.mint(tokenName: plan.tokenName, persona: plan.playbook.gitea.persona, scopes: plan.playbook.gitea.scopes)]
    }

    /// Whether a failed mint may still have created the token. A 4xx answer is the server refusing
    /// the request; a 5xx may come from a proxy that gave up while the server committed, and a lost
    /// answer or a timeout tells nothing; only a connection never made is certain.
    static func mayHaveMinted(_ error: ProviderError) -> Bool { error.mayHaveActed }

    /// Deletes the run's token: by id when the answer arrived, else by looking its name up (the
    /// answer may have been lost after the server committed the mint).
    public func compensate(_ run: RunContext) async throws -> StepDetail? {
        do {
            return try await deleteRunToken(run)
        } catch let error as ProviderError {
            throw TokenNotDeleted(token: run.minted.map { "token \($0.info.id) \($0.info.name) (…\($0.info.lastEight))" }
                                    ?? "the token named \(run.facts.tokenName ?? "?")", reason: error.description)
        }
    }

    private func deleteRunToken(_ run: RunContext) async throws -> StepDetail? {
        guard run.facts.mintAttempted else { return nil }
        let credential = try run.requireCredential()
        if let minted = run.minted, run.facts.rewriteAttempted, try run.target.holds(minted.value) {
            // Never delete the token the consumer's file holds: that would break the consumer.
            // (It happens only when restoring the file failed; the run then needs attention.)
            throw TokenStillInUse(path: run.playbook.target.file, token: "token \(minted.info.id) (…\(minted.info.lastEight))")
        }
        let deletion = try await run.provider.deleteRunToken(known: run.minted?.info, name: run.facts.tokenName, auth: credential,
                                                             value: run.minted?.value)
        return deletion.map { .tokenDeletion($0) }
    }
}

extension MintStep {
    /// Undoing a dead run: deletes its token, by id when the mint answer was journaled, else by its
    /// journaled name once the request's deadline has passed (the answer may have been lost after
    /// the server committed the mint).
    public func settle(from dead: DeadRun) async throws {
        guard dead.mustUndo, !dead.facts.tokenDeleted else { return }
        let minting = dead.journal.first(.minting)
        let name = minting?.tokenName
        guard dead.facts.minted != nil || name != nil else { return }
        if dead.facts.minted == nil, let minting { try await dead.services.awaitMintDeadline(minting) }
        let provider = try dead.provider()
        guard let deletion = try await provider.deleteRunToken(known: dead.facts.minted, name: name, auth: try dead.credential(),
                                                               value: dead.mintedValue)
        else { return }
        if let token = deletion.token {
            try dead.record(.deleted(token))
        }
        dead.note(.tokenDeletion(deletion))
    }
}

/// Compensation refused to delete a token that the consumer's file still holds.
public struct TokenStillInUse: RekeyError {
    public var path: String
    public var token: String
    public var exitStatus: ExitStatus { .rollbackFailed }
    public var description: String {
        "\(token) was kept: \(path) still holds it, and deleting it would break the consumer"
    }
}

/// Compensation could not delete the run's token; the file is fine but the token is left. Exit 81.
public struct TokenNotDeleted: RekeyError {
    public var token: String
    public var reason: String
    public var exitStatus: ExitStatus { .probeFailedTokenLeft }
    public var description: String { "\(token) could not be deleted: \(reason)" }
}
