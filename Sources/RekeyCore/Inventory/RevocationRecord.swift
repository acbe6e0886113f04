import Foundation

/// One old token rekey means to revoke, and every decision about it: `revocations/<name>.sealed`
/// (kind 4, context `revocation|<name>`, name `<token id>-<first 8 hex of SHA-256 of the server>`).
/// It stays after the token is revoked, so that `rekey rollback` can say why it refuses, and its
/// `decisions` are the journal of the revocation: when, what, why, and who held the token.
public struct RevocationRecord: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case pending
        case revoked
        /// No longer on the server (deleted by someone else).
        case gone
        /// The rotation that replaced it was rolled back: the file holds it again.
        case cancelled
    }

    public struct Decision: Sendable, Codable, Equatable {
        public var at: Int
        /// `revoked`, `pending`, `gone`, `cancelled`, `failed`.
        public var outcome: String
        public var reason: String?
        /// Who held the token when the decision was taken (`FILE:KEY` or consumer names).
        public var holders: [String]
        /// `run <id>`, `revoke --pending`, `revoke`, `rollback <id>`.
        public var by: String
    }

    public var tokenID: Int
    public var tokenName: String
    public var lastEight: String
    public var fingerprint: String?
    public var persona: String
    public var server: String
    public var vaultEntry: String
    public var caFile: String?
    public var insecureHTTP: Bool
    /// The consumer whose rotation replaced the token, and that run (nil for `rekey revoke ID`).
    public var consumer: String?
    public var run: String?
    /// When it was replaced, seconds since 1970.
    public var replacedAt: Int
    public var policy: RevocationPolicy
    public var status: Status
    public var reason: String?
    public var decisions: [Decision] = []

    public var name: String { Self.name(tokenID: tokenID, server: server) }
    /// This record as commands print it: without the fingerprint.
    public var printable: RevocationRecord { var copy = self; copy.fingerprint = nil; return copy }
    public var label: String { "token \(tokenID) \(tokenName) (…\(lastEight)) of \(persona)" }

    public static func name(tokenID: Int, server: String) -> String {
        "\(tokenID)-" + String(Digest.sha256Hex(Array(server.utf8)).prefix(8))
    }

    mutating func decide(_ status: Status, reason: String?, holders: [String], at: Int, by: String) {
        self.status = status
        self.reason = reason
        decisions.append(Decision(at: at, outcome: status.rawValue, reason: reason, holders: holders, by: by))
    }
}

/// The sealed records of `revocations/`.
public struct RevocationStore: Sendable {
    public let state: StateDirectory
    let sealer: Sealer

    public init(state: StateDirectory, sealer: Sealer) {
        self.state = state
        self.sealer = sealer
    }

    public static func directory(_ state: StateDirectory) -> String { PathName.join(state.root, "revocations") }
    var files: SealedRecords { SealedRecords(state: state, directory: Self.directory(state), contextPrefix: "revocation", sealer: sealer) }

    public func all() throws -> [RevocationRecord] {
        try files.names().compactMap { try load($0) }
    }

    public func load(_ name: String) throws -> RevocationRecord? { try files.load(name, as: RevocationRecord.self) }

    public func save(_ record: RevocationRecord) throws { try files.save(record.name, record) }
}
