/// A known consumer holding a token: the file and variable it sits in.
public struct TokenHolder: Sendable, Codable, Equatable, Hashable {
    public var consumer: String
    public var file: String
    public var key: String

    public init(consumer: String, file: String, key: String) {
        self.consumer = consumer
        self.file = file
        self.key = key
    }
}

/// Who holds which token, as far as rekey knows: what `audit` (and a gated revocation) asks before
/// calling a token unheld. A token is matched by its server id when the holding knows it, else by
/// its last eight characters.
///
/// `PlaybookHoldings` answers from the playbooks' files and run journals; the sealed inventory of
/// holdings (`rekey consumers`) plugs in here too.
public protocol TokenHoldings: Sendable {
    /// The known consumers holding the token with this id and last eight.
    func holders(tokenID: Int, lastEight: String) -> [TokenHolder]
}

/// Several sources of holdings as one: a holder any of them knows, once.
public struct CombinedHoldings: TokenHoldings {
    public var sources: [any TokenHoldings]

    public init(_ sources: [any TokenHoldings]) { self.sources = sources }

    public func holders(tokenID: Int, lastEight: String) -> [TokenHolder] {
        var seen = Set<TokenHolder>()
        return sources.flatMap { $0.holders(tokenID: tokenID, lastEight: lastEight) }.filter { seen.insert($0).inserted }
    }
}
