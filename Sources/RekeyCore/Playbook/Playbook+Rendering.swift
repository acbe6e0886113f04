import Foundation

extension Playbook {
    /// Placeholders `token.name` may use.
    static let tokenNamePlaceholders = ["run", "date", "consumer", "persona"]
    /// Placeholders `target.comment` may use.
    static let commentPlaceholders = ["token_name", "last8", "utc", "run", "consumer", "persona"]

    /// The token's name for one run: `{run}` the run id, `{date}` the UTC day as `yyyyMMdd`,
    /// `{consumer}`, `{persona}`.
    public func tokenName(run: String, date: Date) -> String {
        Template(token.nameTemplate).render([
            "run": run,
            "date": Self.utcDay(date),
            "consumer": consumer,
            "persona": gitea.persona,
        ])
    }

    /// The comment line above the key: `{token_name}`, `{last8}` (the token's last eight characters),
    /// `{utc}` as ISO 8601 with `Z` (`2026-05-01T12:34:56Z`), `{run}`, `{consumer}`, `{persona}`.
    public func comment(tokenName: String, lastEight: String, utc: Date, run: String) -> String {
        Template(target.commentTemplate).render([
            "token_name": tokenName,
            "last8": lastEight,
            "utc": Self.utcTimestamp(utc),
            "run": run,
            "consumer": consumer,
            "persona": gitea.persona,
        ])
    }

    static func utcDay(_ date: Date) -> String {
        let parts = utcComponents(date)
        return pad(parts.year ?? 0, 4) + pad(parts.month ?? 0, 2) + pad(parts.day ?? 0, 2)
    }

    static func utcTimestamp(_ date: Date) -> String {
        let parts = utcComponents(date)
        return "\(pad(parts.year ?? 0, 4))-\(pad(parts.month ?? 0, 2))-\(pad(parts.day ?? 0, 2))T"
            + "\(pad(parts.hour ?? 0, 2)):\(pad(parts.minute ?? 0, 2)):\(pad(parts.second ?? 0, 2))Z"
    }

    private static func utcComponents(_ date: Date) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
