import Foundation

/// Time-based one-time passwords (RFC 6238) with the parameters Gitea uses: HMAC-SHA1,
/// a 30 second step counted from the Unix epoch, six digits.
public enum TOTP {
    public static let step: TimeInterval = 30

    /// The step counter for a moment: whole 30 second steps since the Unix epoch.
    public static func counter(at date: Date) -> UInt64 {
        UInt64(max(0, (date.timeIntervalSince1970 / step).rounded(.down)))
    }

    /// The code for a step counter, zero-padded to `digits` characters.
    public static func code(secret: [UInt8], counter: UInt64, digits: Int = 6) -> String {
        let message = (0..<8).map { UInt8(truncatingIfNeeded: counter >> UInt64(56 - 8 * $0)) }
        let mac = HMACSHA1.authenticationCode(key: secret, message: message)
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary = UInt32(mac[offset] & 0x7F) << 24 | UInt32(mac[offset + 1]) << 16
            | UInt32(mac[offset + 2]) << 8 | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let number = String(binary % modulus)
        return String(repeating: "0", count: max(0, digits - number.count)) + number
    }

    /// The six-digit code for a moment, from a base32 seed.
    public static func code(seedBase32: String, at date: Date) throws(Base32.DecodingError) -> String {
        code(secret: try Base32.decode(seedBase32), counter: counter(at: date))
    }

    /// The step whose code `candidate` is, among the previous, current and next step around
    /// `date` (skew 1, as `totp.Validate` of pquerna/otp, which Gitea's `TwoFactor` uses);
    /// nil when it is none of them.
    static func matchingStep(_ candidate: String, secret: [UInt8], at date: Date) -> UInt64? {
        let now = counter(at: date)
        let steps = (now == 0 ? [now] : [now - 1, now]) + [now + 1]
        return steps.first { constantTimeEquals(code(secret: secret, counter: $0), candidate) }
    }

    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
