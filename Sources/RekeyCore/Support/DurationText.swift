/// Durations as playbooks and options write them: a whole number and one unit, `s` `m` `h` or `d`
/// (`30d`, `10m`, `0s`). Nothing else: no fractions, no combined units, no bare numbers.
public enum DurationText {
    static let units: [(unit: Character, seconds: Int)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
    /// Longest duration accepted: 100 years, so that no sum with a timestamp overflows.
    public static let maximumSeconds = 100 * 365 * 86_400

    /// Seconds, or nil when `text` is not `<digits><unit>` or is longer than `maximumSeconds`.
    public static func parse(_ text: String) -> Int? {
        guard let unit = text.last, let factor = units.first(where: { $0.unit == unit })?.seconds else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let count = Int(digits) else { return nil }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: factor)
        guard !overflow, seconds <= maximumSeconds else { return nil }
        return seconds
    }

    /// The largest whole unit that writes `seconds` exactly: 86400 → `1d`, 90 → `90s`, 0 → `0s`.
    public static func format(seconds: Int) -> String {
        for (unit, factor) in units where seconds != 0 && seconds % factor == 0 {
            return "\(seconds / factor)\(unit)"
        }
        return "\(seconds)s"
    }
}
