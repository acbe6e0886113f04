import Foundation
import RekeyCore
import Testing

/// The times in run ids, journal lines, history and status, and the ones Gitea sends: each is what
/// an operator reads or what orders the runs, so a wrong digit is a wrong answer.
@Suite struct UTCFormatTests {
    let moment = Date(timeIntervalSince1970: 1_764_405_000.75)  // 2025-11-29T08:30:00.75Z

    @Test func formatsBothShapes() {
        #expect(UTCFormat.compact(moment) == "20251129T083000Z")
        #expect(UTCFormat.iso(moment) == "2025-11-29T08:30:00Z")
        #expect(UTCFormat.iso(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(UTCFormat.compact(Date(timeIntervalSince1970: 951_782_400)) == "20000229T000000Z")
    }

    @Test func compactRoundTripsToTheSecond() {
        #expect(UTCFormat.parseCompact("20251129T083000Z") == Date(timeIntervalSince1970: 1_764_405_000))
        for bad in ["", "20251129T083000", "20251129T083000Z ", "2025-11-29T08:30:00Z", "20250231T083000Z", "20251329T083000Z",
                    "20251129T243000Z", "2025112xT083000Z", "+0251129T083000Z"] {
            #expect(UTCFormat.parseCompact(bad) == nil, "\(bad)")
        }
    }

    @Test func rfc3339AsGiteaSendsIt() {
        let eight = Date(timeIntervalSince1970: 1_714_550_400)
        #expect(UTCFormat.parseRFC3339("2024-05-01T08:00:00Z") == eight)
        #expect(UTCFormat.parseRFC3339("2024-05-01T10:00:00+02:00") == eight)
        #expect(UTCFormat.parseRFC3339("2024-05-01T03:30:00-04:30") == eight)
        #expect(UTCFormat.parseRFC3339("2024-05-01T08:00:00.250Z") == Date(timeIntervalSince1970: 1_714_550_400.25))
        #expect(UTCFormat.parseRFC3339("2024-05-01t08:00:00z") == eight)
        for bad in ["2024-05-01", "2024-05-01T08:00:00", "2024-05-01T08:00:00+0200", "2024-02-30T08:00:00Z",
                    "2024-05-01T08:00:00.Z", "2024-05-01T08:00:00Zjunk", "2024-05-01 08:00:00Z", "yesterday"] {
            #expect(UTCFormat.parseRFC3339(bad) == nil, "\(bad)")
        }
    }

    @Test func runIDsSortByTime() {
        let first = RunID.make(at: Date(timeIntervalSince1970: 1_764_405_000.125))
        let second = RunID.make(at: Date(timeIntervalSince1970: 1_764_405_000.5))
        #expect(first.value.hasPrefix("20251129T083000Z-125000-"))
        #expect(second.value.hasPrefix("20251129T083000Z-500000-"))
        #expect(first.value < second.value)
        #expect(first.value.count == "20251129T083000Z-000042-3f9a".count)
        #expect(RunID.isWellFormed(first.value))
    }
}
