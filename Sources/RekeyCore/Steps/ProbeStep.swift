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
            login = try await run.gitea.login(of: minted.value)
        } catch {
            // A disabled account (or one that must change its password) is not a probe failure of
            // the token: exit 77, with the server's diagnosis.
            if error.isAccountProhibited { throw error }
            throw ProbeFailure(reason: Self.explain(error))
        }
        guard login == expected else {
            throw ProbeFailure(reason: "the new token authenticates as '\(login)', expected '\(expected)'")
        }
        var record = run.newRecord(.probed)
        record.login = login
        record.tokenID = minted.info.id
        try run.journal.append(record)
        return StepResult("GET /api/v1/user with …\(minted.info.lastEight) → 200 login \(login)")
    }

    public func plan(_ plan: PlanInput) -> [String] {
        guard let probe = plan.playbook.probe else { return [] }
        return ["  probe     would check GET /api/v1/user answers 200 with login \(probe.login)"]
    }

    static func explain(_ error: GiteaError) -> String {
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
