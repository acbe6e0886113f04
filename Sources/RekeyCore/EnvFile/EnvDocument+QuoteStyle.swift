extension EnvDocument {
    /// How a value is written in the file. rekey keeps the style it finds and never escapes: a value
    /// that would need escaping in that style is refused.
    public enum QuoteStyle: String, Sendable, Equatable, CustomStringConvertible {
        case unquoted = "unquoted"
        case double = "double-quoted"
        case single = "single-quoted"

        public var description: String { rawValue }

        init?(openingByte byte: UInt8) {
            switch byte {
            case EnvBytes.doubleQuote: self = .double
            case EnvBytes.singleQuote: self = .single
            default: return nil
            }
        }

        var quoteByte: UInt8? {
            switch self {
            case .unquoted: nil
            case .double: EnvBytes.doubleQuote
            case .single: EnvBytes.singleQuote
            }
        }

        /// Whether `bytes` reads back as exactly these bytes when written in this style, unescaped.
        ///
        /// - every style: no control bytes (so never a newline or CR; a tab only inside quotes), no DEL;
        /// - unquoted: none of space, tab, `#`, `"`, `'`, `\`, `$`, backtick, `;`, `&`, `|`, `<`, `>`,
        ///   `(`, `)`, and no `~` (the shell expands it in assignments);
        /// - double quotes: none of `"`, `\`, `$`, backtick;
        /// - single quotes: no `'`.
        func canHold(_ bytes: UnsafeRawBufferPointer) -> Bool {
            bytes.allSatisfy { byte in
                if byte == 0x7F || (byte < 0x20 && !(byte == EnvBytes.tab && self != .unquoted)) { return false }
                switch self {
                case .unquoted: return !Self.unquotedForbidden.contains(byte)
                case .double: return !Self.doubleForbidden.contains(byte)
                case .single: return byte != EnvBytes.singleQuote
                }
            }
        }

        private static let unquotedForbidden = Set(" \t#\"'\\$`;&|<>()~".utf8)
        private static let doubleForbidden = Set("\"\\$`".utf8)
    }
}
