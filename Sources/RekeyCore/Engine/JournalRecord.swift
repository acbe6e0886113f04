import Foundation

/// One entry of a run's write-ahead journal. Everything here is identifiers and hashes; the only
/// secret a record may carry (the minted token's value) travels separately in `secret`, is sealed
/// with the record and never becomes a `String`.
public struct JournalRecord: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case begin
        case backedUp = "backed-up"
        case minting
        case minted
        case rewriting
        case rewritten
        case probed
        case compensated
        case done
        case rolledBack = "rolled-back"
        case failed
    }

    public var kind: Kind
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

    public init(kind: Kind, at: Int, consumer: String, run: String) {
        self.kind = kind
        self.at = at
        self.consumer = consumer
        self.run = run
    }
}
