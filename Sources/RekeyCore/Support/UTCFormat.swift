import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// UTC time formats used in names and output, and the RFC 3339 times Gitea sends.
///
/// Plain arithmetic on `gmtime_r`/`timegm`, not `DateFormatter`: a formatter is an ICU object whose
/// first use maps ICU's data and whose creation costs more than a whole journal record, and these
/// run several times per rotation and per consumer of an unattended run (docs/performance.md).
public enum UTCFormat {
    /// `20261129T083000Z`
    public static func compact(_ date: Date) -> String {
        let t = fields(date)
        return padded(t.year, width: 4) + padded(t.month, width: 2) + padded(t.day, width: 2) + "T"
            + padded(t.hour, width: 2) + padded(t.minute, width: 2) + padded(t.second, width: 2) + "Z"
    }

    /// `2026-11-29T08:30:00Z`
    public static func iso(_ date: Date) -> String {
        let t = fields(date)
        return padded(t.year, width: 4) + "-" + padded(t.month, width: 2) + "-" + padded(t.day, width: 2) + "T"
            + padded(t.hour, width: 2) + ":" + padded(t.minute, width: 2) + ":" + padded(t.second, width: 2) + "Z"
    }

    /// The date a `compact` stamp names, nil when `text` is not exactly one.
    public static func parseCompact(_ text: String) -> Date? {
        var scanner = DigitScanner(text)
        guard let year = scanner.number(4), let month = scanner.number(2), let day = scanner.number(2), scanner.literal("T"),
              let hour = scanner.number(2), let minute = scanner.number(2), let second = scanner.number(2),
              scanner.literal("Z"), scanner.atEnd
        else { return nil }
        return date(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offset: 0, fraction: 0)
    }

    /// An RFC 3339 time (`2024-05-01T10:00:00+02:00`, `2024-05-01T08:00:00.250Z`); nil when `text`
    /// is not exactly one.
    public static func parseRFC3339(_ text: String) -> Date? {
        var scanner = DigitScanner(text)
        guard let year = scanner.number(4), scanner.literal("-"), let month = scanner.number(2), scanner.literal("-"),
              let day = scanner.number(2), scanner.literal("T") || scanner.literal("t"),
              let hour = scanner.number(2), scanner.literal(":"), let minute = scanner.number(2), scanner.literal(":"),
              let second = scanner.number(2)
        else { return nil }
        var fraction = 0.0
        if scanner.literal(".") {
            guard let digits = scanner.digits(), digits.count <= 9 else { return nil }
            fraction = Double(Int(digits)!) / pow(10, Double(digits.count))
        }
        var offset = 0
        if !(scanner.literal("Z") || scanner.literal("z")) {
            guard let sign = scanner.sign(), let hours = scanner.number(2), scanner.literal(":"), let minutes = scanner.number(2),
                  hours < 24, minutes < 60
            else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        }
        guard scanner.atEnd else { return nil }
        return date(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offset: offset, fraction: fraction)
    }

    /// `value` in `radix`, zero-padded on the left to `width` digits.
    public static func padded(_ value: Int, width: Int, radix: Int = 10) -> String {
        let digits = String(value, radix: radix)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func fields(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var broken = tm()
        gmtime_r(&seconds, &broken)
        return (Int(broken.tm_year) + 1900, Int(broken.tm_mon) + 1, Int(broken.tm_mday),
                Int(broken.tm_hour), Int(broken.tm_min), Int(broken.tm_sec))
    }

    private static func date(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
                             offset: Int, fraction: Double) -> Date? {
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { return nil }
        var broken = tm()
        broken.tm_year = Int32(year - 1900)
        broken.tm_mon = Int32(month - 1)
        broken.tm_mday = Int32(day)
        broken.tm_hour = Int32(hour)
        broken.tm_min = Int32(minute)
        let minuteStart = timegm(&broken)
        // timegm normalises 31 February into March: a day the month does not have is no date.
        guard broken.tm_mday == Int32(day), broken.tm_mon == Int32(month - 1) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(minuteStart + second - offset) + fraction)
    }
}

/// Reads fixed-width ASCII digits and literals off the front of a string.
private struct DigitScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    var atEnd: Bool { index == bytes.count }

    mutating func number(_ width: Int) -> Int? {
        guard index + width <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[index..<index + width] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        index += width
        return value
    }

    mutating func digits() -> String? {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
    }

    mutating func literal(_ text: Character) -> Bool {
        guard index < bytes.count, let ascii = text.asciiValue, bytes[index] == ascii else { return false }
        index += 1
        return true
    }

    mutating func sign() -> Int? {
        if literal("+") { return 1 }
        if literal("-") { return -1 }
        return nil
    }
}
