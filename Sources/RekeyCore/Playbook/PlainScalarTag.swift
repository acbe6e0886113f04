import Yams

/// The YAML 1.1 type of a plain (unquoted, untagged) scalar, decided in Swift.
///
/// Playbooks are composed with Yams' `Resolver.basic`, which types every untagged scalar as text,
/// and `PlaybookReader.tag(of:)` asks this instead. Yams' default resolver matches each plain scalar
/// against up to seven `NSRegularExpression`s; compiling and running them through ICU cost more
/// than the rest of reading a playbook, at every start and for each playbook of an unattended run
/// (docs/performance.md). The rules are the same as Yams' `Resolver.default` for the types a
/// playbook can tell apart: null, bool, int and float; timestamps, `<<` and `=` stay text, which
/// is how every playbook field read them. One difference, written in the README: an explicit
/// `!!str` on a plain scalar is not seen (Yams folds it into the same tag); quote the value instead.
enum PlainScalarTag {
    static func of(_ text: String) -> Tag.Name {
        if isNull(text) { return .null }
        if booleans[text] != nil { return .bool }
        let bytes = Array(text.utf8)
        if isInt(bytes[...]) { return .int }
        if isFloat(bytes[...]) { return .float }
        return .str
    }

    /// The value of a scalar tagged bool (Yams' `Bool.construct` answers nil for a scalar tagged text).
    static func boolean(_ text: String) -> Bool? { booleans[text] ?? booleans[text.lowercased()] }

    private static let booleans: [String: Bool] = {
        var table: [String: Bool] = [:]
        for (word, value) in [("yes", true), ("no", false), ("true", true), ("false", false), ("on", true), ("off", false)] {
            for spelling in [word, word.prefix(1).uppercased() + word.dropFirst(), word.uppercased()] { table[spelling] = value }
        }
        return table
    }()

    private static func isNull(_ text: String) -> Bool {
        ["", "~", "null", "Null", "NULL"].contains(text)
    }

    // MARK: - int: 0b1010, 0o17 / 017, 0 / 1_000, 0x1F, 1:30 (sexagesimal)

    private static func isInt(_ whole: ArraySlice<UInt8>) -> Bool {
        let s = droppingSign(whole)
        guard let first = s.first else { return false }
        if s.starts(with: Array("0b".utf8)) { return s.count > 2 && s.dropFirst(2).allSatisfy { $0 == c("0") || $0 == c("1") || $0 == c("_") } }
        if s.starts(with: Array("0x".utf8)) { return s.count > 2 && s.dropFirst(2).allSatisfy { isHex($0) || $0 == c("_") } }
        if first == c("0") {
            // 0, 0o17, 017, 0_7: "0" then an optional "o" then [0-7_]+ ; or "0" alone.
            if s.count == 1 { return true }
            var rest = s.dropFirst()
            if rest.first == c("o") { rest = rest.dropFirst() }
            return !rest.isEmpty && rest.allSatisfy { (c("0")...c("7")).contains($0) || $0 == c("_") }
        }
        guard (c("1")...c("9")).contains(first) else { return false }
        // [1-9][0-9_]* , optionally followed by one or more :[0-5]?[0-9]
        let parts = s.split(separator: c(":"), omittingEmptySubsequences: false)
        guard parts[0].allSatisfy({ isDigit($0) || $0 == c("_") }) else { return false }
        return parts.dropFirst().allSatisfy(isSexagesimalDigits)
    }

    // MARK: - float: 1.5, 1e3, 1_000.5, .5, 1:30.5, .inf, .nan

    private static func isFloat(_ whole: ArraySlice<UInt8>) -> Bool {
        let text = String(decoding: whole, as: UTF8.self)
        if [".nan", ".NaN", ".NAN"].contains(text) { return true }
        let s = droppingSign(whole)
        if [".inf", ".Inf", ".INF"].contains(String(decoding: s, as: UTF8.self)) { return true }
        guard let first = s.first else { return false }
        if first == c("."), s.count == whole.count {
            // \.[0-9_]+(?:[eE][-+][0-9]+)?  (no sign before the dot)
            let (mantissa, exponent) = splitExponent(s.dropFirst())
            guard !mantissa.isEmpty, mantissa.allSatisfy({ isDigit($0) || $0 == c("_") }) else { return false }
            return exponent.map { $0.count > 1 && ($0.first == c("+") || $0.first == c("-")) && $0.dropFirst().allSatisfy(isDigit) } ?? true
        }
        guard isDigit(first) else { return false }
        if s.contains(c(":")) {
            // [0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
            guard let dot = s.lastIndex(of: c(".")) else { return false }
            let parts = s[..<dot].split(separator: c(":"), omittingEmptySubsequences: false)
            guard parts.count > 1, parts[0].allSatisfy({ isDigit($0) || $0 == c("_") }),
                  parts.dropFirst().allSatisfy(isSexagesimalDigits) else { return false }
            return s[s.index(after: dot)...].allSatisfy { isDigit($0) || $0 == c("_") }
        }
        // [0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?
        let (number, exponent) = splitExponent(s)
        if let exponent {
            let digits = exponent.first == c("+") || exponent.first == c("-") ? exponent.dropFirst() : exponent
            guard !digits.isEmpty, digits.allSatisfy(isDigit) else { return false }
        }
        let pieces = number.split(separator: c("."), maxSplits: 1, omittingEmptySubsequences: false)
        guard pieces[0].allSatisfy({ isDigit($0) || $0 == c("_") }) else { return false }
        return pieces.count == 1 || pieces[1].allSatisfy { isDigit($0) || $0 == c("_") }
    }

    private static func splitExponent(_ s: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, ArraySlice<UInt8>?) {
        guard let e = s.firstIndex(where: { $0 == c("e") || $0 == c("E") }) else { return (s, nil) }
        return (s[..<e], s[s.index(after: e)...])
    }

    private static func isSexagesimalDigits(_ part: ArraySlice<UInt8>) -> Bool {
        switch part.count {
        case 1: return isDigit(part.first!)
        case 2: return (c("0")...c("5")).contains(part.first!) && isDigit(part.last!)
        default: return false
        }
    }

    private static func droppingSign(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        s.first == c("-") || s.first == c("+") ? s.dropFirst() : s
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (c("0")...c("9")).contains(byte) }
    private static func isHex(_ byte: UInt8) -> Bool { isDigit(byte) || (c("a")...c("f")).contains(byte) || (c("A")...c("F")).contains(byte) }
    private static func c(_ character: Unicode.Scalar) -> UInt8 { UInt8(ascii: character) }
}
