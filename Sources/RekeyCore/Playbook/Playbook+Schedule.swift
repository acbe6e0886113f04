import Yams

extension PlaybookParser {
    /// `every: 30d`: how often the consumer's token is rotated (`DurationText`), at least one second.
    func every(_ node: Node) throws(PlaybookError) -> Int {
        let text = try reader.string(node, key: "every").value
        guard let seconds = DurationText.parse(text), seconds >= 1 else {
            throw reader.error(at: node, "every must be a duration like 30d, 12h or 10m, not '\(PlaybookError.show(text))'",
                               "write for example every: 30d")
        }
        return seconds
    }
}
