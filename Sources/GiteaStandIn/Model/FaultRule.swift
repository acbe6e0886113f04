/// A misbehaviour to inject into the next matching requests, posted as JSON to `/_standin/faults`.
///
/// For the next `times` requests on `route` (0 = every one until cleared) the server waits
/// `delay_ms` — after doing the real work when `after_commit` is set, before it otherwise — and
/// then closes the connection without answering (`drop`), or answers `status` with a
/// Gitea-shaped error body (its message `message` when given), or (neither set) gives the real
/// answer. The delayed work is not cut short when the client hangs up: like a real server whose
/// handler has started, a mint delayed past a SIGKILLed client still commits after the delay.
///
/// Hostile answers, for testing that a client validates what it is sent:
/// - `name` (route `mint`): the 201 answer reports this name instead of the one requested;
/// - `last_eight` (route `mint`): the 201 answer's `token_last_eight` is this instead;
/// - `sha1` (route `mint`): the 201 answer's token value is this instead (e.g. upper case, or not
///   40 hex digits); the token the server stored keeps its real value;
/// - `login` (route `user`): `/user` reports this login instead of the caller's;
/// - `message` (with `status`): the error body's message, e.g. with control or bidi characters;
/// - `trickle_ms`: the status line and headers go out at once, then the body one byte every
///   `trickle_ms` milliseconds;
/// - `extra_tokens` (route `list`): the listing holds this many more (older) tokens than the
///   user has, with `X-Total-Count` to match, e.g. 6000 for "more than 5000 tokens";
/// - `pad_bytes`: the answer's body is followed by this many spaces (still valid JSON), e.g.
///   2 MiB for "a body over the 1 MiB cap".
public struct FaultRule: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Route: String, Sendable, Codable, CaseIterable {
        case mint, list, delete, user, version, token, any
    }

    public var route: Route
    public var times: Int
    public var delayMilliseconds: Int
    public var afterCommit: Bool
    public var status: Int?
    public var drop: Bool
    public var login: String?
    public var name: String?
    public var lastEight: String?
    public var sha1: String?
    public var message: String?
    public var trickleMilliseconds: Int
    public var extraTokens: Int
    public var padBytes: Int

    public init(
        route: Route, times: Int = 1, delayMilliseconds: Int = 0, afterCommit: Bool = false,
        status: Int? = nil, drop: Bool = false, login: String? = nil, name: String? = nil,
        lastEight: String? = nil, sha1: String? = nil, message: String? = nil, trickleMilliseconds: Int = 0,
        extraTokens: Int = 0, padBytes: Int = 0
    ) {
        self.route = route
        self.times = times
        self.delayMilliseconds = delayMilliseconds
        self.afterCommit = afterCommit
        self.status = status
        self.drop = drop
        self.login = login
        self.name = name
        self.lastEight = lastEight
        self.sha1 = sha1
        self.message = message
        self.trickleMilliseconds = trickleMilliseconds
        self.extraTokens = extraTokens
        self.padBytes = padBytes
    }

    enum CodingKeys: String, CodingKey {
        case route, times, status, drop, login, name, message, sha1
        case delayMilliseconds = "delay_ms"
        case afterCommit = "after_commit"
        case lastEight = "last_eight"
        case trickleMilliseconds = "trickle_ms"
        case extraTokens = "extra_tokens"
        case padBytes = "pad_bytes"
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
            login: try container.decodeIfPresent(String.self, forKey: .login),
            name: try container.decodeIfPresent(String.self, forKey: .name),
            lastEight: try container.decodeIfPresent(String.self, forKey: .lastEight),
            sha1: try container.decodeIfPresent(String.self, forKey: .sha1),
            message: try container.decodeIfPresent(String.self, forKey: .message),
            trickleMilliseconds: try container.decodeIfPresent(Int.self, forKey: .trickleMilliseconds) ?? 0,
            extraTokens: try container.decodeIfPresent(Int.self, forKey: .extraTokens) ?? 0,
            padBytes: try container.decodeIfPresent(Int.self, forKey: .padBytes) ?? 0
        )
    }

    /// Why the rule cannot be used, or nil when it can.
    var problem: String? {
        if times < 0 { return "times must be 0 (every request) or more" }
        if !(0...600_000).contains(delayMilliseconds) { return "delay_ms must be between 0 and 600000" }
        if let status, !(200...599).contains(status) { return "status must be between 200 and 599" }
        if login != nil && route != .user && route != .any { return "login applies only to route user" }
        if (name != nil || lastEight != nil || sha1 != nil) && route != .mint && route != .any {
            return "name, last_eight and sha1 apply only to route mint"
        }
        if message != nil && status == nil { return "message needs a status" }
        if !(0...60_000).contains(trickleMilliseconds) { return "trickle_ms must be between 0 and 60000" }
        if !(0...100_000).contains(extraTokens) { return "extra_tokens must be between 0 and 100000" }
        if extraTokens > 0 && route != .list && route != .any { return "extra_tokens applies only to route list" }
        if !(0...(64 << 20)).contains(padBytes) { return "pad_bytes must be between 0 and 67108864" }
        return nil
    }

    func applies(to route: Route) -> Bool { self.route == .any || self.route == route }

    /// Names what the rule does; free-text fields are shown by length only, as they may hold
    /// control characters meant for the client under test, not for a log reader's terminal.
    public var description: String {
        var parts = ["\(route.rawValue)", "times=\(times)"]
        if delayMilliseconds > 0 { parts.append("delay=\(delayMilliseconds)ms") }
        if afterCommit { parts.append("after-commit") }
        if let status { parts.append("status=\(status)") }
        if drop { parts.append("drop") }
        if let login { parts.append("login(\(login.unicodeScalars.count) chars)") }
        if let name { parts.append("name(\(name.unicodeScalars.count) chars)") }
        if let lastEight { parts.append("last-eight(\(lastEight.unicodeScalars.count) chars)") }
        if let sha1 { parts.append("sha1(\(sha1.unicodeScalars.count) chars)") }
        if let message { parts.append("message(\(message.unicodeScalars.count) chars)") }
        if trickleMilliseconds > 0 { parts.append("trickle=\(trickleMilliseconds)ms") }
        if extraTokens > 0 { parts.append("extra-tokens=\(extraTokens)") }
        if padBytes > 0 { parts.append("pad=\(padBytes)B") }
        return "fault(" + parts.joined(separator: " ") + ")"
    }
}
