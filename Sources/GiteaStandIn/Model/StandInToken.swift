import Foundation

/// What a test may see of a token the stand-in holds: never the value, as on a real server.
///
/// Two snapshots are equal when they name the same token the same way (id, name, last eight,
/// scopes); the usage timestamps are left out of `==`, so that "nothing was minted or deleted"
/// checks do not fail because a token was used in between.
public struct StandInToken: Sendable, Equatable, CustomStringConvertible {
    public var id: Int
    public var name: String
    public var lastEight: String
    /// Normalised scopes, as the server stored them.
    public var scopes: [String]
    /// When it was minted (Gitea's `created_at`).
    public var createdAt: Date
    /// When it last authenticated, updated at most every 30 s (Gitea's `last_used_at`); equal to
    /// `createdAt` for a token never used, as Gitea's `updated_unix` starts at creation.
    public var lastUsedAt: Date

    public init(
        id: Int, name: String, lastEight: String, scopes: [String],
        createdAt: Date = .distantPast, lastUsedAt: Date = .distantPast
    ) {
        self.id = id
        self.name = name
        self.lastEight = lastEight
        self.scopes = scopes
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }

    public static func == (lhs: StandInToken, rhs: StandInToken) -> Bool {
        lhs.id == rhs.id && lhs.name == rhs.name && lhs.lastEight == rhs.lastEight && lhs.scopes == rhs.scopes
    }

    public var description: String { "token \(id) '\(name)' …\(lastEight) [\(scopes.joined(separator: ","))]" }
}

/// A token as stored: a salted hash of the value, never the value itself.
struct TokenRecord: Sendable {
    let id: Int
    let ownerID: Int
    let name: String
    let salt: [UInt8]
    let hash: [UInt8]
    let lastEight: String
    let scopes: TokenScopes
    let created: Date
    /// Gitea's `updated_unix`: set at creation, then on use when 30 s or more have passed.
    var lastUsed: Date

    /// How often Gitea writes a token's last use (services/auth/oauth2.go, since 1.24).
    static let lastUsedGranularity: TimeInterval = 30

    var snapshot: StandInToken {
        StandInToken(
            id: id, name: name, lastEight: lastEight, scopes: scopes.names, createdAt: created, lastUsedAt: lastUsed
        )
    }

    func matches(value: String) -> Bool {
        let candidate = HMACSHA1.authenticationCode(key: salt, message: Array(value.utf8))
        return zip(candidate, hash).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0 && candidate.count == hash.count
    }
}

/// A user account as the server holds it.
struct Account: Sendable {
    let id: Int
    let user: StandInUser
    let created: Date
    var lastLogin: Date?
    /// The last one-time code accepted for this user (Gitea's `two_factor.last_used_passcode`).
    var lastAcceptedOTP: String?
    /// Gitea's `is_active`: an account an administrator disabled is inactive.
    var isActive = true
    /// Gitea's `prohibit_login`.
    var prohibitLogin = false
    /// Gitea's `must_change_password`.
    var mustChangePassword = false

    var name: String { user.name }
    var isAdmin: Bool { user.isAdmin }
}
