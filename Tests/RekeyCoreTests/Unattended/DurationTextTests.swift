import RekeyCore
import Testing

@Suite("DurationText and the schedule keys")
struct DurationTextTests {
    @Test("durations parse to seconds", arguments: [("30d", 2_592_000), ("10m", 600), ("0s", 0), ("36h", 129_600), ("90s", 90)])
    func parses(text: String, seconds: Int) {
        #expect(DurationText.parse(text) == seconds)
    }

    @Test("anything else is refused", arguments: ["", "30", "d", "1.5h", "-1d", "1w", "1d2h", " 1d", "99999999999999d", "１d"])
    func refuses(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test("format writes the largest whole unit and round-trips")
    func formats() {
        #expect(DurationText.format(seconds: 86_400) == "1d")
        #expect(DurationText.format(seconds: 90) == "90s")
        #expect(DurationText.format(seconds: 7_200) == "2h")
        #expect(DurationText.format(seconds: 0) == "0s")
        for seconds in [0, 59, 60, 3_600, 5_400, 86_400 * 30] {
            #expect(DurationText.parse(DurationText.format(seconds: seconds)) == seconds)
        }
    }
}
