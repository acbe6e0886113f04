import Foundation

/// RFC 6238 time-based one-time passwords as Gitea checks them: HMAC-SHA-1, 30 s step, 6 digits.
/// The seed is the base32 text an authenticator app is given (RFC 4648 alphabet, case-insensitive,
/// spaces and `=` padding ignored). libsodium has no SHA-1, so SHA-1 and HMAC live here; the RFC's
/// test vectors check them.
public enum TOTP {
    public static let step: TimeInterval = 30
    public static let digits = 6

    public struct InvalidSeed: RekeyError {
        public var entry: String
        public var exitStatus: ExitStatus { .config }
        public var description: String {
            "the TOTP seed for vault entry '\(entry)' is not base32 (letters A-Z and digits 2-7); paste the seed exactly as Gitea showed it"
        }
    }

    /// The code for the base32 `seed` at `date`.
    public static func code(seed: SecretBytes, at date: Date) -> String {
        guard let key = try? decodeBase32(seed, entry: "") else { return "000000" }
        return code(key: key, counter: UInt64(max(0, date.timeIntervalSince1970) / step), digits: digits)
    }

    /// The RFC 4226 HOTP value for raw `key` and `counter`.
    public static func code(key: SecretBytes, counter: UInt64, digits: Int) -> String {
        var message = [UInt8](repeating: 0, count: 8)
        for index in 0..<8 { message[index] = UInt8(truncatingIfNeeded: counter >> (56 - 8 * UInt64(index))) }
        let mac = key.withUnsafeBytes { hmacSHA1(key: Array($0), message: message) }
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

    static func hmacSHA1(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var block = key.count > 64 ? sha1(key) : key
        block += [UInt8](repeating: 0, count: 64 - block.count)
        let inner = sha1(block.map { $0 ^ 0x36 } + message)
        return sha1(block.map { $0 ^ 0x5c } + inner)
    }

    static func sha1(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var data = message
        let bitLength = UInt64(message.count) * 8
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        var w = [UInt32](repeating: 0, count: 80)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                w[i] = data[chunk + 4 * i..<chunk + 4 * i + 4].reduce(0) { ($0 << 8) | UInt32($1) }
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = (x << 1) | (x >> 31)
            }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32) = switch i {
                case 0..<20: ((b & c) | (~b & d), 0x5A82_7999)
                case 20..<40: (b ^ c ^ d, 0x6ED9_EBA1)
                case 40..<60: ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC)
                default: (b ^ c ^ d, 0xCA62_C1D6)
                }
                let temp = ((a << 5) | (a >> 27)) &+ f &+ e &+ k &+ w[i]
                (e, d, c, b, a) = (d, c, (b << 30) | (b >> 2), a, temp)
            }
            h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e
        }
        return h.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * $0)) } }
    }
}
