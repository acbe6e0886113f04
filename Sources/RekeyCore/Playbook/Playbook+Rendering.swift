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
            "date": String(UTCFormat.compact(date).prefix(8)),
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
            "utc": UTCFormat.iso(utc),
            "run": run,
            "consumer": consumer,
            "persona": gitea.persona,
        ])
    }
}
