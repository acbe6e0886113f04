/// Durations as playbooks and flags write them: a whole number and one unit, `s`, `m`, `h` or `d`
/// (`30d`, `10m`, `0s`). Shared by every key that takes a duration.
public enum DurationText {
    static let units: [(suffix: Character, seconds: Int)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// The number of seconds `text` stands for, or nil when it is not a number followed by one unit.
    public static func parse(_ text: String) -> Int? {
        guard let last = text.last, let unit = units.first(where: { $0.suffix == last }) else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else {
            return nil
        }
        return value * unit.seconds
    }

    /// `seconds` in the largest unit that divides it exactly (`90` → `90s`, `86400` → `1d`).
    public static func format(seconds: Int) -> String {
        guard seconds != 0 else { return "0s" }
        let unit = units.first { seconds % $0.seconds == 0 } ?? units[units.count - 1]
        return "\(seconds / unit.seconds)\(unit.suffix)"
    }
}
