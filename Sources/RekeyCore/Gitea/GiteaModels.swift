import Foundation

/// A token as Gitea lists it: no value, only its last eight characters.
public struct TokenInfo: Sendable, Equatable, Codable {
    public var id: Int
    public var name: String
    public var lastEight: String
    public var scopes: [String]
    /// `created_at` and `last_used_at`, listed by Gitea 1.24 and later; nil from older servers.
    public var createdAt: Date?
    public var lastUsedAt: Date?

    public init(id: Int, name: String, lastEight: String, scopes: [String], createdAt: Date? = nil, lastUsedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.lastEight = lastEight
        self.scopes = scopes
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// A token just minted: the only moment its value exists outside the consumer's file and sealed storage.
public struct MintedToken: Sendable {
    public var info: TokenInfo
    public var value: SecretBytes

    public init(info: TokenInfo, value: SecretBytes) {
        self.info = info
        self.value = value
    }
}

/// The credential of Basic-auth calls is the vault entry itself: username, password and optional
/// TOTP seed, the secrets in `SecretBytes`.
public typealias BasicCredential = VaultEntry

/// What rekey needs from Gitea. `GiteaClient` is the live implementation; engine tests use fakes.
public protocol GiteaAPI: Sendable {
    func version() async throws(GiteaError) -> String
    func mintToken(persona: String, name: String, scopes: [String], auth: BasicCredential) async throws(GiteaError) -> MintedToken
    func listTokens(persona: String, auth: BasicCredential) async throws(GiteaError) -> [TokenInfo]
    func deleteToken(persona: String, id: Int, auth: BasicCredential) async throws(GiteaError)
    /// Checks a credential without side effects: `GET /users/{persona}/tokens?limit=1` with Basic
    /// auth (and `X-Gitea-OTP` when the credential has a TOTP seed). Mints nothing.
    func checkCredential(persona: String, auth: BasicCredential) async throws(GiteaError)
    /// `GET /user` with the token; returns the login it authenticates as.
    func login(of token: SecretBytes) async throws(GiteaError) -> String
    /// Finds a token by its (unique per user) name. The default lists every token; the live client
    /// stops at the page that holds it (listings are newest first, so a run's token is on page 1).
    func findToken(persona: String, named name: String, auth: BasicCredential) async throws(GiteaError) -> TokenInfo?
    /// `DELETE /token` with the token itself (newer servers): true when the server deleted it, false
    /// when the server has no such route (then delete by id with Basic auth). Needs no one-time code.
    func deleteOwnToken(_ token: SecretBytes) async throws(GiteaError) -> Bool
    /// How long a request sent may stay in flight, body included (for a Basic-auth call, with its
    /// one retry under another one-time code).
    var exchangeDeadline: Duration { get }
}

extension GiteaAPI {
    public func deleteOwnToken(_ token: SecretBytes) async throws(GiteaError) -> Bool { false }
    public var exchangeDeadline: Duration { .seconds(20) }
}

extension GiteaAPI {
    /// Finds a token by its (unique per user) name, following every page.
    public func findToken(persona: String, named name: String, auth: BasicCredential) async throws(GiteaError) -> TokenInfo? {
        try await listTokens(persona: persona, auth: auth).first { $0.name == name }
    }
}

/// What deleting a run's token did, with a one-line summary for people.
public struct TokenDeletion: Sendable {
    /// The token found and deleted (or found gone); nil when none by that name existed.
    public var token: TokenInfo?
    public var summary: String
}

extension GiteaAPI {
    /// Deletes a run's token: by id when its mint answer is known, else by looking its (unique)
    /// name up, since the answer may have been lost after the server committed the mint. A 404
    /// means it is gone already (deleted by a person, or by an earlier attempt). Returns nil when
    /// there is neither an id nor a name to go by.
    ///
    /// With the token's `value` (a run that has its mint answer), a server that has `DELETE
    /// /api/v1/token` lets the token delete itself, which spends no one-time code.
    public func deleteRunToken(persona: String, known: TokenInfo?, name: String?, auth: BasicCredential,
                               value: SecretBytes? = nil) async throws(GiteaError) -> TokenDeletion? {
        if let known, let value, (try? await deleteOwnToken(value)) == true {
            return TokenDeletion(token: known,
                                 summary: "deleted token \(known.id) \(known.name) (…\(known.lastEight)) with its own credential")
        }
        var target = known
        var suffix = ""
        if target == nil, let name {
            guard let found = try await findToken(persona: persona, named: name, auth: auth) else {
                return TokenDeletion(token: nil, summary: "no token named \(name) exists on the server; nothing to delete")
            }
            target = found
            suffix = ", found by name after a lost answer"
        }
        guard let target else { return nil }
        let label = "token \(target.id) \(target.name) (…\(target.lastEight))\(suffix)"
        let result = await Result.capturing { () async throws(GiteaError) in
            try await deleteToken(persona: persona, id: target.id, auth: auth)
        }
        if case .failure(let error) = result {
            guard error.status == 404 else { throw error }
            return TokenDeletion(token: target, summary: "\(label) was already gone")
        }
        return TokenDeletion(token: target, summary: "deleted \(label)")
    }
}
