/// Durations in playbooks and options: a whole number and one unit, `s`, `m`, `h` or `d`
/// (`30d`, `10m`, `0s`). Shared by every key that takes a duration.
public enum DurationText {
    static let units: [(Character, Int)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    /// Seconds, or nil for anything but digits followed by one unit (at most 10 digits).
    public static func parse(_ text: String) -> Int? {
        guard let unit = text.last, let factor = units.first(where: { $0.0 == unit })?.1 else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }),
              let count = Int(digits) else { return nil }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: factor)
        return overflow ? nil : seconds
    }

    /// The largest unit that divides `seconds` exactly: 600 → `10m`, 90 → `90s`, 0 → `0s`.
    public static func format(seconds: Int) -> String {
        guard seconds != 0 else { return "0s" }
        let (unit, factor) = units.first { seconds % $0.1 == 0 } ?? ("s", 1)
        return "\(seconds / factor)\(unit)"
    }
}
