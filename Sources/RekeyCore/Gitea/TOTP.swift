import Crypto
import Foundation

/// RFC 6238 time-based one-time passwords as Gitea checks them: HMAC-SHA-1, 30 s step, 6 digits.
/// The seed is the base32 text an authenticator app is given (RFC 4648 alphabet, case-insensitive,
/// spaces, dashes and `=` padding ignored). HMAC-SHA-1 is swift-crypto's `HMAC<Insecure.SHA1>`;
/// the RFC's test vectors check it.
///
/// The seed stays in `SecretBytes`; the decoded key exists only inside one `code` call. A seed that
/// is not base32 throws: there is no fallback code (a made-up code would only burn a login attempt).
/// Which step to send is `OTPSteps`' decision, never the wall clock's alone: Gitea accepts a code once.
public enum TOTP {
    public static let stepSeconds: UInt64 = 30
    public static let digits = 6

    public struct InvalidSeed: RekeyError {
        public var entry: String
        public var exitStatus: ExitStatus { .config }
        public var description: String {
            "the TOTP seed for vault entry '\(entry)' is not base32 (letters A-Z and digits 2-7); paste the seed exactly as Gitea showed it"
        }
    }

    /// The 30-second step (RFC 6238's counter) that `date` falls in.
    public static func step(at date: Date) -> UInt64 {
        UInt64(max(0, date.timeIntervalSince1970)) / stepSeconds
    }

    /// The code of the base32 `seed` for one step. `entry` names the seed in the error.
    public static func code(seed: SecretBytes, step: UInt64, entry: String) throws(InvalidSeed) -> String {
        let key = try decodeBase32(seed, entry: entry)
        return code(key: key, counter: step, digits: digits)
    }

    /// The code of the base32 `seed` at `date`.
    public static func code(seed: SecretBytes, at date: Date, entry: String = "") throws(InvalidSeed) -> String {
        try code(seed: seed, step: step(at: date), entry: entry)
    }

    /// The RFC 4226 HOTP value for raw `key` and `counter`.
    public static func code(key: SecretBytes, counter: UInt64, digits: Int) -> String {
        var message = [UInt8](repeating: 0, count: 8)
        for index in 0..<8 { message[index] = UInt8(truncatingIfNeeded: counter >> (56 - 8 * UInt64(index))) }
        let mac: [UInt8] = key.withUnsafeBytes { raw in
            Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: raw)))
        }
        let offset = Int(mac[19] & 0x0f)
        let binary = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// Decodes base32 text into raw key bytes; throws `InvalidSeed` naming `entry` on any bad character.
    public static func decodeBase32(_ text: SecretBytes, entry: String) throws(InvalidSeed) -> SecretBytes {
        var bits: UInt64 = 0
        var bitCount = 0
        var output: [UInt8] = []
        defer { for index in output.indices { output[index] = 0 } }
        let ok = text.withUnsafeBytes { raw -> Bool in
            for byte in raw {
                let value: UInt8
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
                case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a")
                case UInt8(ascii: "2")...UInt8(ascii: "7"): value = byte - UInt8(ascii: "2") + 26
                case UInt8(ascii: " "), UInt8(ascii: "="), UInt8(ascii: "-"): continue
                default: return false
                }
                bits = (bits << 5) | UInt64(value)
                bitCount += 5
                if bitCount >= 8 {
                    output.append(UInt8(truncatingIfNeeded: bits >> UInt64(bitCount - 8)))
                    bitCount -= 8
                }
            }
            return true
        }
        bits = 0
        guard ok, !output.isEmpty else { throw InvalidSeed(entry: entry) }
        return SecretBytes(copying: output)
    }
}
