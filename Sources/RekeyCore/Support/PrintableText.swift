/// The characters that must never reach a terminal, a log line or an env file from a value rekey did
/// not write itself: C0 and C1 controls (escape sequences, CR, NUL), DEL, the Unicode line breaks
/// U+0085, U+2028 and U+2029 (a line break for Python's `splitlines` and JavaScript's `/m`, though
/// not for a shell), and the bidi controls that make a line read differently from what it holds.
public enum PrintableText {
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x2028, 0x2029: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// The first unsafe scalar of `text`, or nil when it is all printable.
    public static func firstUnsafe(in text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first(where: isUnsafe)
    }

    /// `text` with every unsafe scalar written as `\u{XXXX}`: what rekey prints of a server's words.
    public static func escaped(_ text: String) -> String {
        guard firstUnsafe(in: text) != nil else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += "\\u{" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
