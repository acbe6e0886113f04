import Foundation

/// One entry of a run's write-ahead journal. Everything here is identifiers and hashes; the only
/// secret a record may carry (the minted token's value) travels separately in `secret`, is sealed
/// with the record and never becomes a `String`.
///
/// Format versions (`format`): 1 (no `format` key) is what rekey wrote before the field existed;
/// 2 adds the `committed` record, written at the engine's commit point. Readers accept both.
public struct JournalRecord: Sendable, Codable, Equatable {
    /// The format version new records are written in.
    public static let formatVersion = 2

    public enum Kind: String, Sendable, Codable {
        case begin
        case backedUp = "backed-up"
        case minting
        case minted
        case rewriting
        case rewritten
        case probed
        /// The commit point: every step before it succeeded (format 2).
        case committed
        /// What a step without record kinds of its own did: its name in `step`, identifiers in
        /// `detail` (format 2).
        case stepEvent = "step"
        case compensated
        /// A token deleted by recover or rollback (id, name, last eight).
        case deleted
        /// A leftover temp file removed, or another recovery action, in `detail`.
        case recovered
        case done
        case rolledBack = "rolled-back"
        case failed
    }

    public var kind: Kind
    /// The record's format version; nil in records written before versions existed (format 1).
    public var format: Int?
    public var at: Int
    public var consumer: String
    public var run: String
    public var file: String?
    public var backup: String?
    public var sha256: String?
    public var sha256Before: String?
    public var sha256After: String?
    public var tokenID: Int?
    public var tokenName: String?
    public var lastEight: String?
    public var login: String?
    public var step: String?
    public var detail: String?
    public var exitCode: Int32?
    /// On `minting`: the exchange deadline in seconds; the request may be in flight until `at` plus it.
    public var deadline: Int?
    // Written into `begin`, so that recover and rollback need no playbook:
    public var operation: Operation?
    public var server: String?
    public var persona: String?
    public var vaultEntry: String?
    public var key: String?
    /// For a rollback: the run whose rotation it undoes.
    public var rollbackOf: String?
    /// For a rollback: keep the rolled-back run's token on the server.
    public var keepToken: Bool?
    /// On a `reload` step's first record: the commands it runs (argv, the playbook's own words) and
    /// their timeout in seconds, so that `rekey recover` can run them again without the playbook.
    public var command: [String]?
    public var verify: [String]?
    public var timeout: Int?
    /// On `revoke-previous`'s record before it deletes the previous token: the playbook's policy,
    /// so that `rekey recover` can leave the revocation pending under it.
    public var revocation: RevocationPolicy?

    public init(kind: Kind, at: Int, consumer: String, run: String) {
        self.kind = kind
        self.format = Self.formatVersion
        self.at = at
        self.consumer = consumer
        self.run = run
    }
}
