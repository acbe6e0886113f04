/// Proves the new token: `GET /api/v1/user` must answer 200 with the expected login.
public struct ProbeStep: Step {
    public static let stepName = "probe"
    public var name: String { Self.stepName }

    public init() {}

    public func perform(_ run: RunContext) async throws -> StepResult {
        guard let minted = run.minted else { throw EngineError.missingPrerequisite("minted token", step: "mint") }
        guard let expected = run.playbook.probe?.login else { throw EngineError.missingPrerequisite("probe.login", step: "validate") }
        let login: String
        do {
            login = try await run.provider.probe(minted.value)
        } catch {
            // A disabled account (or one that must change its password) is not a probe failure of
            // the token: exit 77, with the server's diagnosis.
            if error.kind == .accountRefused { throw error }
            throw ProbeFailure(reason: Self.explain(error))
        }
        guard login == expected else {
            throw ProbeFailure(reason: "the new token authenticates as '\(login)', expected '\(expected)'")
        }
        try run.record(.probed(login: login, tokenID: minted.info.id))
        return StepResult(.probed(lastEight: minted.info.lastEight, login: login))
    }

    public func plan(_ plan: PlanInput) -> [PlanItem] {
        guard let probe = plan.playbook.probe else { return [] }
        return [.probe(login: probe.login)]
    }

    /// A dead run can be finished only when the consumer's file holds its new token and that token
    /// authenticates as the journaled login; a refusal (401/403) or another login means undo, any
    /// other failure to ask leaves the run unfinished.
    public func assess(_ dead: DeadRun) async throws -> Assessment {
        guard let token = dead.mintedValue, try dead.fileHoldsNewToken() else { return .mustUndo }
        let provider = try dead.provider()
        let probe = await Result.capturing { () async throws(ProviderError) in try await provider.probe(token) }
        switch probe {
        case .success(let login) where TokenProbe.matches(login, expected: dead.begin.login):
            dead.provenLogin = login
            return .canFinish
        case .success(let other):
            dead.note(.wrongLogin(login: other, expected: dead.begin.login ?? "?"))
        case .failure(let error) where error.kind == .unauthorized || error.kind == .forbidden:
            dead.note(.tokenRefused(status: error.status ?? (error.kind == .unauthorized ? 401 : 403)))
        case .failure(let error):
            throw error
        }
        return .mustUndo
    }

    /// Finishing: journals the proof the assessment found.
    public func settle(from dead: DeadRun) async throws {
        guard !dead.mustUndo, let login = dead.provenLogin, let token = dead.mintedValue else { return }
        try dead.record(.probed(login: login, tokenID: dead.facts.minted?.id))
        dead.note(.finished(token: token.redactedTail, login: login))
    }

    static func explain(_ error: ProviderError) -> String {
        switch error.status {
        case 401: "gitea refused the new token (401 from GET /api/v1/user)"
        case 403: "the new token may not read the user (403 from GET /api/v1/user); it needs read:user"
        default: error.description
        }
    }
}

/// The new token did not prove itself; the engine rolls back.
public struct ProbeFailure: RekeyError {
    public var reason: String
    public var exitStatus: ExitStatus { .probeFailedRolledBack }
    public var description: String { "probe failed: \(reason)" }
}

/// The rule every check of a token's login follows: a playbook without `probe` journals no login,
/// and then any 200 from `GET /api/v1/user` is enough.
public enum TokenProbe {
    public static func matches(_ login: String, expected: String?) -> Bool {
        expected.map { $0 == login } ?? true
    }
}
