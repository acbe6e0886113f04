/// The sealed inventory as a source of holdings for `rekey audit`: the holdings that runs and
/// `rekey consumers --import` recorded, matched by the server's token id when a holding knows it,
/// else by last eight (an imported holding whose id was never resolved).
public struct InventoryHoldings: TokenHoldings {
    public var holdings: [Holding]

    /// The holdings of `persona` (and those that name no persona: imported ones).
    public init(_ holdings: [Holding], persona: String) {
        self.holdings = holdings.filter { $0.persona == nil || $0.persona == persona }
    }

    public func holders(tokenID: Int, lastEight: String) -> [TokenHolder] {
        holdings.filter { holding in holding.tokenID.map { $0 == tokenID } ?? (holding.lastEight == lastEight) }
            .map { TokenHolder(consumer: $0.consumer, file: $0.file, key: $0.key) }
    }
}
