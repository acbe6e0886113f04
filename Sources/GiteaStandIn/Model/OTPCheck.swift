/// One check of an `X-Gitea-OTP` code, as the stand-in logs it: the user, the 30-second step
/// the code belonged to, and what happened. Never the code itself.
///
/// Tests read these to show that a client never sends a code twice in a row
/// (`GiteaStandIn.otpLog()`, or `GET /_standin/otp-log` as JSON).
public struct OTPCheck: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Outcome: String, Sendable, Codable {
        /// A valid code, not the last one accepted for the user: accepted and consumed.
        case accepted
        /// The code accepted last for the user, sent again: 401 `invalid provided OTP`.
        case replayed
        /// Not the code of the previous, current or next step: 401.
        case invalid
        /// No `X-Gitea-OTP` header on a password call of a TOTP user: 401.
        case missing
    }

    public var user: String
    /// The step (Unix time / 30) the code matched; nil when it matched none.
    public var step: UInt64?
    public var outcome: Outcome

    public init(user: String, step: UInt64?, outcome: Outcome) {
        self.user = user
        self.step = step
        self.outcome = outcome
    }

    public var description: String { "otp \(user) step=\(step.map(String.init) ?? "-") \(outcome.rawValue)" }

    /// The checks that repeat the step of the same user's check just before them: a client that
    /// never sends a code twice in a row leaves this empty (a step's code is the same code).
    public static func repeats(in log: [OTPCheck]) -> [OTPCheck] {
        var lastStep: [String: UInt64] = [:]
        var repeats: [OTPCheck] = []
        for check in log {
            if let step = check.step, lastStep[check.user] == step { repeats.append(check) }
            if let step = check.step { lastStep[check.user] = step }
        }
        return repeats
    }
}
