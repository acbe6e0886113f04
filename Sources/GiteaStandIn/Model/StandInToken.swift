import Foundation

/// What a test may see of a token the stand-in holds: never the value, as on a real server.
public struct StandInToken: Sendable, Equatable, CustomStringConvertible {
    public var id: Int
    public var name: String
    public var lastEight: String
    /// Normalised scopes, as the server stored them.
    public var scopes: [String]

    public init(id: Int, name: String, lastEight: String, scopes: [String]) {
        self.id = id
        self.name = name
        self.lastEight = lastEight
        self.scopes = scopes
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
    var lastUsed: Date?

    var snapshot: StandInToken {
        StandInToken(id: id, name: name, lastEight: lastEight, scopes: scopes.names)
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

    var name: String { user.name }
    var isAdmin: Bool { user.isAdmin }
}
