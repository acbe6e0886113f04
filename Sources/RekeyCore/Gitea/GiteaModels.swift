/// A token as Gitea lists it: no value, only its last eight characters.
public struct TokenInfo: Sendable, Equatable, Codable {
    public var id: Int
    public var name: String
    public var lastEight: String
    public var scopes: [String]

    public init(id: Int, name: String, lastEight: String, scopes: [String]) {
        self.id = id
        self.name = name
        self.lastEight = lastEight
        self.scopes = scopes
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

/// Username and password (and, for two-factor personas, the TOTP seed) for Basic auth.
public struct BasicCredential: Sendable {
    public var username: String
    public var password: SecretBytes
    public var totpSeed: SecretBytes?

    public init(username: String, password: SecretBytes, totpSeed: SecretBytes? = nil) {
        self.username = username
        self.password = password
        self.totpSeed = totpSeed
    }
}

extension VaultEntry {
    /// The entry as Basic-auth credentials for Gitea calls.
    public var credential: BasicCredential {
        BasicCredential(username: username, password: password, totpSeed: totpSeed)
    }
}

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
}

extension GiteaAPI {
    /// Finds a token by its (unique per user) name, following every page.
    public func findToken(persona: String, named name: String, auth: BasicCredential) async throws(GiteaError) -> TokenInfo? {
        try await listTokens(persona: persona, auth: auth).first { $0.name == name }
    }
}
