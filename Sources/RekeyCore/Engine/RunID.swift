import Foundation

/// Identifies one run: UTC start time plus six random hex digits, e.g. `20261129T083000Z-3f9a1c`.
/// Sortable by time, safe in file names and token names, unique enough that two runs started in the
/// same second on the same host do not collide.
public struct RunID: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    public static func make(at date: Date) -> RunID {
        let suffix = Sodium.randomBytes(3).map { String(format: "%02x", $0) }.joined()
        return RunID(UTCFormat.compact(date) + "-" + suffix)
    }

    public var description: String { value }

    /// A run id is a file-name component: reject anything that could climb out of `runs/`.
    public static func isWellFormed(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}

/// UTC time formats used in names and output.
public enum UTCFormat {
    /// `20261129T083000Z`
    public static func compact(_ date: Date) -> String { format(date, "yyyyMMdd'T'HHmmss'Z'") }
    /// `2026-11-29T08:30:00Z`
    public static func iso(_ date: Date) -> String { format(date, "yyyy-MM-dd'T'HH:mm:ss'Z'") }

    private static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }
}
