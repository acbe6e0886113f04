import Foundation

/// When an old token may be deleted (design.md, "The gate"): it belongs to the persona, no other
/// known consumer holds it, `revoke_grace` has passed since its replacement, and the server's
/// `last_used_at` shows no use later than the replacement plus 30 s (Gitea writes the time at most
/// every 30 s). A token used after that is held by a consumer nobody knew about: it is deleted only
/// after `revoke_quiet` without use. No usage data (Gitea before 1.24) keeps it unless
/// `revoke_without_usage_data: true` or an operator's `--confirm`.
public struct RevocationGate: Sendable, Equatable {
    public static let usageSlack = 30

    public var policy: RevocationPolicy

    public init(policy: RevocationPolicy) { self.policy = policy }

    public enum Decision: Sendable, Equatable {
        case revoke
        case pending(String)
    }

    /// - Parameters:
    ///   - holders: other known places (`FILE:KEY` or consumers) that hold the token.
    ///   - confirmed: an operator's `--confirm`: no usage data and a use after the replacement no
    ///     longer keep it (holders and the grace still do).
    public func decide(token: TokenInfo, holders: [String], replacedAt: Date, now: Date, confirmed: Bool = false) -> Decision {
        if !holders.isEmpty {
            return .pending("still held by \(holders.joined(separator: ", "))")
        }
        let graceEnd = replacedAt.addingTimeInterval(TimeInterval(policy.graceSeconds))
        if now < graceEnd {
            return .pending("grace until \(UTCFormat.iso(graceEnd))")
        }
        if confirmed { return .revoke }
        guard let lastUsed = token.lastUsedAt else {
            return policy.withoutUsageData ? .revoke : .pending("no usage data")
        }
        if lastUsed > replacedAt.addingTimeInterval(TimeInterval(Self.usageSlack)) {
            let quietEnd = lastUsed.addingTimeInterval(TimeInterval(policy.quietSeconds))
            if now >= quietEnd { return .revoke }
            return .pending("used at \(UTCFormat.iso(lastUsed)) after it was replaced: an unknown consumer; quiet until \(UTCFormat.iso(quietEnd))")
        }
        return .revoke
    }
}
