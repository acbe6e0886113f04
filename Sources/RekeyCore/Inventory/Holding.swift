import Foundation

/// One place that holds a token: a consumer's env file and key. A holding is identified by its
/// file and key; recording another token there replaces it, whoever recorded the first one.
///
/// The token is known by its keyed fingerprint (`FingerprintKey`) and last eight, and, once the
/// server listed it, by its id. Holdings are stored only inside sealed records (`InventoryStore`).
public struct Holding: Sendable, Codable, Equatable {
    public enum Source: String, Sendable, Codable {
        /// Recorded by a successful `rekey run` of the consumer.
        case run
        /// Recorded by `rekey consumers --import`: a consumer rekey does not rotate (yet).
        case imported = "import"
    }

    /// The consumer's name, or `FILE:KEY` for an imported holding.
    public var consumer: String
    public var file: String
    public var key: String
    public var tokenID: Int?
    public var tokenName: String?
    public var persona: String?
    public var server: String?
    public var lastEight: String
    /// The keyed fingerprint (hex); stored sealed, left out (nil) of what commands print.
    public var fingerprint: String?
    /// When it was recorded, seconds since 1970.
    public var since: Int
    public var source: Source

    public init(consumer: String, file: String, key: String, tokenID: Int?, tokenName: String?, persona: String?,
                server: String?, lastEight: String, fingerprint: String?, since: Int, source: Source) {
        self.consumer = consumer
        self.file = file
        self.key = key
        self.tokenID = tokenID
        self.tokenName = tokenName
        self.persona = persona
        self.server = server
        self.lastEight = lastEight
        self.fingerprint = fingerprint
        self.since = since
        self.source = source
    }

    /// `FILE:KEY`, how people see a holding.
    public var place: String { "\(file):\(key)" }

    /// This holding as commands print it: without its fingerprint.
    public var printable: Holding { var copy = self; copy.fingerprint = nil; return copy }

    public func isSamePlace(as other: Holding) -> Bool { file == other.file && key == other.key }
    public func isPlace(file: String, key: String) -> Bool { self.file == file && self.key == key }
}

/// What went wrong with the inventory's own files.
public enum InventoryError: RekeyError {
    case damaged(String, String)
    case unknownConsumer(String)

    public var exitStatus: ExitStatus {
        switch self {
        case .damaged: .config
        case .unknownConsumer: .usage
        }
    }

    public var description: String {
        switch self {
        case .damaged(let path, let problem): "inventory file \(path) is damaged: \(problem); remove it and run rekey consumers --import again"
        case .unknownConsumer(let name): "no holdings recorded for \(name); rekey consumers lists them"
        }
    }
}
