/// Durations as playbooks and flags write them: a whole number and one unit, `s` `m` `h` or `d`
/// (`30d`, `10m`, `0s`). Seconds inside rekey.
public enum DurationText {
    static let units: [(Character, Int)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// Seconds, or nil when `text` is not a number (at most 9 digits) followed by one unit.
    public static func parse(_ text: String) -> Int? {
        guard let unit = text.last, let factor = units.first(where: { $0.0 == unit })?.1 else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(digits) else {
            return nil
        }
        return count * factor
    }

    /// The largest whole unit that divides `seconds` exactly: 86400 → `1d`, 90 → `90s`, 0 → `0s`.
    public static func format(seconds: Int) -> String {
        guard seconds > 0 else { return "\(seconds)s" }
        let (unit, factor) = units.first { seconds % $0.1 == 0 }!
        return "\(seconds / factor)\(unit)"
    }
}
