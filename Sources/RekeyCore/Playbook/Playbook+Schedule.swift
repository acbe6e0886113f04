import Yams

/// The unattended keys of a playbook (README, "Unattended mode"):
/// - `every: 30d`: under `rekey run --unattended` the consumer is rotated only when its last
///   verified rotation is at least this old (absent: always due);
/// - `max_failures: 3`: after this many failed runs in a row the consumer is stuck.
extension Playbook {
    public static let defaultMaxFailures = 3
    /// Shortest `every`: a rotation a minute would only mint tokens.
    public static let minimumEverySeconds = 60
}

extension PlaybookParser {
    static let scheduleKeys = ["every", "max_failures"]

    /// Reads `every` and `max_failures` from the top-level section.
    func schedule(_ top: PlaybookReader.Section) throws(PlaybookError) -> (every: Int?, maxFailures: Int) {
        var every: Int?
        if let node = top["every"] {
            let text = try reader.string(node, key: "every").value
            guard let seconds = DurationText.parse(text), seconds >= Playbook.minimumEverySeconds else {
                throw reader.error(at: node, "every must be a duration of at least 1m like 30d, 12h or 90m, not \(PlaybookError.show(text))",
                                   "write for example every: 30d (units s, m, h, d)")
            }
            every = seconds
        }
        var maxFailures = Playbook.defaultMaxFailures
        if let node = top["max_failures"] {
            maxFailures = try reader.integer(node, key: "max_failures", example: "3")
            guard (1...1000).contains(maxFailures) else {
                throw reader.error(at: node, "max_failures must be between 1 and 1000, not \(maxFailures)", "write for example max_failures: 3")
            }
        }
        return (every, maxFailures)
    }
}
