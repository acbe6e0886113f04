/// A misbehaviour to inject into the next matching requests, posted as JSON to `/_standin/faults`.
///
/// For the next `times` requests on `route` (0 = every one until cleared) the server waits
/// `delayMilliseconds` — after doing the real work when `afterCommit` is set, before it otherwise —
/// and then closes the connection without answering (`drop`), or answers `status` with a
/// Gitea-shaped error body, or (neither set) gives the real answer. On `user`, `login` makes
/// `/user` report that login instead of the caller's.
public struct FaultRule: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Route: String, Sendable, Codable, CaseIterable {
        case mint, list, delete, user, version, any
    }

    public var route: Route
    public var times: Int
    public var delayMilliseconds: Int
    public var afterCommit: Bool
    public var status: Int?
    public var drop: Bool
    public var login: String?

    public init(
        route: Route, times: Int = 1, delayMilliseconds: Int = 0, afterCommit: Bool = false,
        status: Int? = nil, drop: Bool = false, login: String? = nil
    ) {
        self.route = route
        self.times = times
        self.delayMilliseconds = delayMilliseconds
        self.afterCommit = afterCommit
        self.status = status
        self.drop = drop
        self.login = login
    }

    enum CodingKeys: String, CodingKey {
        case route, times, status, drop, login
        case delayMilliseconds = "delay_ms"
        case afterCommit = "after_commit"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            route: try container.decode(Route.self, forKey: .route),
            times: try container.decodeIfPresent(Int.self, forKey: .times) ?? 1,
            delayMilliseconds: try container.decodeIfPresent(Int.self, forKey: .delayMilliseconds) ?? 0,
            afterCommit: try container.decodeIfPresent(Bool.self, forKey: .afterCommit) ?? false,
            status: try container.decodeIfPresent(Int.self, forKey: .status),
            drop: try container.decodeIfPresent(Bool.self, forKey: .drop) ?? false,
            login: try container.decodeIfPresent(String.self, forKey: .login)
        )
    }

    /// Why the rule cannot be used, or nil when it can.
    var problem: String? {
        if times < 0 { return "times must be 0 (every request) or more" }
        if !(0...600_000).contains(delayMilliseconds) { return "delay_ms must be between 0 and 600000" }
        if let status, !(200...599).contains(status) { return "status must be between 200 and 599" }
        if login != nil && route != .user && route != .any { return "login applies only to route user" }
        return nil
    }

    func applies(to route: Route) -> Bool { self.route == .any || self.route == route }

    public var description: String {
        var parts = ["\(route.rawValue)", "times=\(times)"]
        if delayMilliseconds > 0 { parts.append("delay=\(delayMilliseconds)ms") }
        if afterCommit { parts.append("after-commit") }
        if let status { parts.append("status=\(status)") }
        if drop { parts.append("drop") }
        if let login { parts.append("login=\(login)") }
        return "fault(" + parts.joined(separator: " ") + ")"
    }
}
