#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Identifies one run: UTC start time to the second, the microseconds, and four random hex digits,
/// e.g. `20261129T083000Z-042137-3f9a`. Sorting run ids as text sorts runs by start time, also
/// within one second; safe in file names and token names; two runs never collide in practice.
public struct RunID: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) { self.value = value }

    public static func make(at date: Date) -> RunID {
        let microseconds = Int((date.timeIntervalSince1970 * 1_000_000).rounded(.down)) % 1_000_000
        let suffix = Sodium.randomBytes(2).map { String(format: "%02x", $0) }.joined()
        return RunID(UTCFormat.compact(date) + "-" + String(format: "%06d", microseconds) + "-" + suffix)
    }

    public var description: String { value }

    /// A run id is a file-name component: the state directory's one name rule (`SafeName`) keeps
    /// it inside `runs/`.
    public static func isWellFormed(_ text: String) -> Bool { SafeName.isValid(text) }
}

/// UTC time formats used in names and output.
public enum UTCFormat {
    /// `20261129T083000Z`
    public static func compact(_ date: Date) -> String { format(date, dateSeparator: "", timeSeparator: "") }
    /// `2026-11-29T08:30:00Z`
    public static func iso(_ date: Date) -> String { format(date, dateSeparator: "-", timeSeparator: ":") }

    /// The date a `compact` stamp names, nil when `text` is not one.
    public static func parseCompact(_ text: String) -> Date? { formatter("yyyyMMdd'T'HHmmss'Z'").date(from: text) }

    /// The whole seconds of `date` in UTC, from `gmtime_r`: a `DateFormatter` costs more to make
    /// than a run's other bookkeeping, and the due check formats one date per consumer.
    private static func format(_ date: Date, dateSeparator: String, timeSeparator: String) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return digits(parts.tm_year + 1900, 4) + dateSeparator + digits(parts.tm_mon + 1, 2) + dateSeparator + digits(parts.tm_mday, 2)
            + "T" + digits(parts.tm_hour, 2) + timeSeparator + digits(parts.tm_min, 2) + timeSeparator + digits(parts.tm_sec, 2) + "Z"
    }

    private static func formatter(_ pattern: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter
    }
}
