import Foundation

/// A token as Gitea lists it: no value, only its last eight characters.
public struct TokenInfo: Sendable, Equatable, Codable {
    public var id: Int
    public var name: String
    public var lastEight: String
    public var scopes: [String]
    /// When it was minted, where the server lists it (Gitea 1.24 and later); nil otherwise.
    public var createdAt: Date?
    /// When it last authenticated (written at most every 30 s), where the server lists it (1.24+).
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

/// What `GET /api/v1/token` tells about the calling token (servers since mid-2026): no scope needed.
public struct SelfToken: Sendable, Equatable {
    public var info: TokenInfo
    /// The login of the token's owner.
    public var login: String

    public init(info: TokenInfo, login: String) {
        self.info = info
        self.login = login
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
/// Steps, recover and rollback reach it through `TokenProvider` (`GiteaProvider`).
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
    /// `GET /token` with the token itself (newer servers): the token's id, name, scopes, times and
    /// owner, without any scope; nil when the server has no such route (then ask `GET /user`).
    func currentToken(_ token: SecretBytes) async throws(GiteaError) -> SelfToken?
    /// How long a request sent may stay in flight, body included (for a Basic-auth call, with its
    /// one retry under another one-time code).
    var exchangeDeadline: Duration { get }
}

extension GiteaAPI {
    public func deleteOwnToken(_ token: SecretBytes) async throws(GiteaError) -> Bool { false }
    public func currentToken(_ token: SecretBytes) async throws(GiteaError) -> SelfToken? { nil }
    public var exchangeDeadline: Duration { .seconds(20) }
}

extension GiteaAPI {
    /// Finds a token by its (unique per user) name, following every page.
    public func findToken(persona: String, named name: String, auth: BasicCredential) async throws(GiteaError) -> TokenInfo? {
        try await listTokens(persona: persona, auth: auth).first { $0.name == name }
    }
}

