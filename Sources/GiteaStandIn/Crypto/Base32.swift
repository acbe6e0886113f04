/// RFC 4648 base32 decoding, as used for TOTP seeds. Case-insensitive; spaces, hyphens and `=`
/// padding are ignored, as authenticator apps do.
public enum Base32 {
    public struct DecodingError: Error, CustomStringConvertible, Equatable {
        public var description: String { "a TOTP seed must be base32 (letters A-Z and digits 2-7)" }
    }

    public static func decode(_ text: String) throws(DecodingError) -> [UInt8] {
        var buffer: UInt32 = 0
        var bitCount = 0
        var out: [UInt8] = []
        for character in text.uppercased().unicodeScalars {
            let value: UInt32
            switch character {
            case "A"..."Z": value = character.value - UnicodeScalar("A").value
            case "2"..."7": value = character.value - UnicodeScalar("2").value + 26
            case " ", "-", "=": continue
            default: throw DecodingError()
            }
            buffer = (buffer << 5) | value
            bitCount += 5
            if bitCount >= 8 {
                bitCount -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bitCount)))
            }
            buffer &= (1 << UInt32(bitCount)) - 1
        }
        guard !out.isEmpty else { throw DecodingError() }
        return out
    }
}
