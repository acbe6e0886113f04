/// What the steps, recover and rollback need from a secret provider, in provider-neutral terms: a
/// token is its `TokenInfo` (id, name, last eight) and its value (`SecretBytes`), the credential is
/// the vault entry (`BasicCredential`). Everything provider-specific (for Gitea: the persona, the
/// scopes, the read:user rule, one-time codes) is bound into the provider when it is made, from the
/// provider's own playbook section (`Playbook.gitea`, `Playbook.token.scopes`) or the run's journaled
/// `begin` record.
///
/// `GiteaProvider` is the one implementation. Errors are still `GiteaError` (its `failure` says
/// whether the server may have acted, which is what the steps decide on).
public protocol TokenProvider: Sendable {
    /// Mints a token named `name`.
    func mint(name: String, auth: BasicCredential) async throws(GiteaError) -> MintedToken
    /// The identity `token` authenticates as; no side effects.
    func probe(_ token: SecretBytes) async throws(GiteaError) -> String
    /// Deletes the token `id`.
    func delete(id: Int, auth: BasicCredential) async throws(GiteaError)
    /// The token named `name`, if any.
    func find(named name: String, auth: BasicCredential) async throws(GiteaError) -> TokenInfo?
    /// Every token of the account.
    func list(auth: BasicCredential) async throws(GiteaError) -> [TokenInfo]
    /// Lets `token` delete itself, when the provider can: true when it did.
    func deleteItself(_ token: SecretBytes) async throws(GiteaError) -> Bool
    /// How long a request sent may stay in flight (journaled before a mint: recover waits it out).
    var exchangeDeadline: Duration { get }
}

/// Gitea as a `TokenProvider`: a client (`GiteaAPI`) with the persona and the scopes bound.
public struct GiteaProvider: TokenProvider {
    public let api: any GiteaAPI
    public let persona: String
    public let scopes: [String]

    public init(api: any GiteaAPI, persona: String, scopes: [String] = []) {
        self.api = api
        self.persona = persona
        self.scopes = scopes
    }

    public func mint(name: String, auth: BasicCredential) async throws(GiteaError) -> MintedToken {
        try await api.mintToken(persona: persona, name: name, scopes: scopes, auth: auth)
    }
    public func probe(_ token: SecretBytes) async throws(GiteaError) -> String { try await api.login(of: token) }
    public func delete(id: Int, auth: BasicCredential) async throws(GiteaError) {
        try await api.deleteToken(persona: persona, id: id, auth: auth)
    }
    public func find(named name: String, auth: BasicCredential) async throws(GiteaError) -> TokenInfo? {
        try await api.findToken(persona: persona, named: name, auth: auth)
    }
    public func list(auth: BasicCredential) async throws(GiteaError) -> [TokenInfo] { try await api.listTokens(persona: persona, auth: auth) }
    public func deleteItself(_ token: SecretBytes) async throws(GiteaError) -> Bool { try await api.deleteOwnToken(token) }
    public var exchangeDeadline: Duration { api.exchangeDeadline }
}

/// What deleting a run's token did, with a one-line summary for people.
public struct TokenDeletion: Sendable {
    /// The token found and deleted (or found gone); nil when none by that name existed.
    public var token: TokenInfo?
    public var summary: String
}

extension TokenProvider {
    /// Deletes a run's token: by id when its mint answer is known, else by looking its (unique)
    /// name up, since the answer may have been lost after the server committed the mint. A 404
    /// means it is gone already (deleted by a person, or by an earlier attempt). Returns nil when
    /// there is neither an id nor a name to go by.
    ///
    /// With the token's `value` (a run that has its mint answer), a provider that lets a token
    /// delete itself does so, which spends no one-time code.
    public func deleteRunToken(known: TokenInfo?, name: String?, auth: BasicCredential,
                               value: SecretBytes? = nil) async throws(GiteaError) -> TokenDeletion? {
        if let known, let value, (try? await deleteItself(value)) == true {
            return TokenDeletion(token: known,
                                 summary: "deleted token \(known.id) \(known.name) (…\(known.lastEight)) with its own credential")
        }
        var target = known
        var suffix = ""
        if target == nil, let name {
            guard let found = try await find(named: name, auth: auth) else {
                return TokenDeletion(token: nil, summary: "no token named \(name) exists on the server; nothing to delete")
            }
            target = found
            suffix = ", found by name after a lost answer"
        }
        guard let target else { return nil }
        let label = "token \(target.id) \(target.name) (…\(target.lastEight))\(suffix)"
        let result = await Result.capturing { () async throws(GiteaError) in
            try await delete(id: target.id, auth: auth)
        }
        if case .failure(let error) = result {
            guard error.status == 404 else { throw error }
            return TokenDeletion(token: target, summary: "\(label) was already gone")
        }
        return TokenDeletion(token: target, summary: "deleted \(label)")
    }
}
