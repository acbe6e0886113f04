/// What the steps, recover and rollback need from a secret provider, in provider-neutral terms: a
/// token is its `TokenInfo` (id, name, last eight) and its value (`SecretBytes`), the credential is
/// the vault entry (`BasicCredential`). Everything provider-specific (for Gitea: the persona, the
/// scopes, the read:user rule, one-time codes) is bound into the provider when it is made, from the
/// provider's own playbook section (`Playbook.gitea`, with the scopes) or the run's journaled
/// `begin` record.
///
/// `GiteaProvider` is the one implementation. Errors are `ProviderError`: its `kind` says whether
/// the server may have acted, refused the credential or lacks the thing, which is what the steps
/// decide on; the provider maps its own errors into it.
public protocol TokenProvider: Sendable {
    /// Mints a token named `name`.
    func mint(name: String, auth: BasicCredential) async throws(ProviderError) -> MintedToken
    /// The identity `token` authenticates as; no side effects.
    func probe(_ token: SecretBytes) async throws(ProviderError) -> String
    /// Deletes the token `id`.
    func delete(id: Int, auth: BasicCredential) async throws(ProviderError)
    /// The token named `name`, if any.
    func find(named name: String, auth: BasicCredential) async throws(ProviderError) -> TokenInfo?
    /// Every token of the account.
    func list(auth: BasicCredential) async throws(ProviderError) -> [TokenInfo]
    /// Lets `token` delete itself, when the provider can: true when it did.
    func deleteItself(_ token: SecretBytes) async throws(ProviderError) -> Bool
    /// How long a request sent may stay in flight (journaled before a mint: recover waits it out).
    var exchangeDeadline: Duration { get }
    /// The server's version: proof that it answers (the dry run's check); no side effects.
    func version() async throws(ProviderError) -> String
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

    public func mint(name: String, auth: BasicCredential) async throws(ProviderError) -> MintedToken {
        try await mapped { () async throws(GiteaError) in try await api.mintToken(persona: persona, name: name, scopes: scopes, auth: auth) }
    }
    public func probe(_ token: SecretBytes) async throws(ProviderError) -> String {
        try await mapped { () async throws(GiteaError) in try await api.login(of: token) }
    }
    public func delete(id: Int, auth: BasicCredential) async throws(ProviderError) {
        try await mapped { () async throws(GiteaError) in try await api.deleteToken(persona: persona, id: id, auth: auth) }
    }
    public func find(named name: String, auth: BasicCredential) async throws(ProviderError) -> TokenInfo? {
        try await mapped { () async throws(GiteaError) in try await api.findToken(persona: persona, named: name, auth: auth) }
    }
    public func list(auth: BasicCredential) async throws(ProviderError) -> [TokenInfo] {
        try await mapped { () async throws(GiteaError) in try await api.listTokens(persona: persona, auth: auth) }
    }
    public func deleteItself(_ token: SecretBytes) async throws(ProviderError) -> Bool {
        try await mapped { () async throws(GiteaError) in try await api.deleteOwnToken(token) }
    }
    public var exchangeDeadline: Duration { api.exchangeDeadline }
    public func version() async throws(ProviderError) -> String {
        try await mapped { () async throws(GiteaError) in try await api.version() }
    }
}

/// What deleting a run's token did (the executable renders it; `tag` is its journal form).
public struct TokenDeletion: Sendable, Equatable, Codable {
    public enum How: String, Sendable, Codable {
        /// The token deleted itself with its own credential (no one-time code spent).
        case deletedItself
        case deleted
        /// The server answered 404: deleted already (by a person, or an earlier attempt).
        case alreadyGone
        /// No token by the run's name exists on the server: nothing to delete.
        case noneByName
    }

    /// The token found and deleted (or found gone); nil when none by that name existed.
    public var token: TokenInfo?
    /// The name looked up when the mint answer was lost.
    public var name: String?
    public var how: How
    /// Whether the token was found by its name (its mint answer was lost).
    public var foundByName: Bool

    public init(token: TokenInfo?, name: String? = nil, how: How, foundByName: Bool = false) {
        self.token = token
        self.name = name
        self.how = how
        self.foundByName = foundByName
    }

    /// A short, stable tag for journal records: data, not a sentence.
    public var tag: String {
        switch how {
        case .deletedItself, .deleted: foundByName ? "token-deleted-found-by-name" : "token-deleted"
        case .alreadyGone: "token-already-gone"
        case .noneByName: "no-token-by-name"
        }
    }
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
                               value: SecretBytes? = nil) async throws(ProviderError) -> TokenDeletion? {
        if let known, let value, (try? await deleteItself(value)) == true {
            return TokenDeletion(token: known, how: .deletedItself)
        }
        var target = known
        var foundByName = false
        if target == nil, let name {
            guard let found = try await find(named: name, auth: auth) else {
                return TokenDeletion(token: nil, name: name, how: .noneByName)
            }
            target = found
            foundByName = true
        }
        guard let target else { return nil }
        let result = await Result.capturing { () async throws(ProviderError) in
            try await delete(id: target.id, auth: auth)
        }
        if case .failure(let error) = result {
            guard error.kind == .notFound else { throw error }
            return TokenDeletion(token: target, name: name, how: .alreadyGone, foundByName: foundByName)
        }
        return TokenDeletion(token: target, name: name, how: .deleted, foundByName: foundByName)
    }
}
