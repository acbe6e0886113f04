@testable import GiteaStandIn
import Testing

/// Expected values are what Go's `strconv.ParseInt(s, 0, 64)` returns (its error ignored, as
/// Gitea does): 0 on a syntax error, the nearest bound when out of range.
@Suite("Go's ParseInt(s, 0, 64), as DeleteAccessToken uses it")
struct GoParseIntTests {
    @Test(
        "prefixes, signs, underscores, syntax errors and overflow",
        arguments: [
            ("42", Int64(42)), ("-1", -1), ("+7", 7), ("0x1f", 31), ("0X1F", 31), ("0x_1f", 31), ("017", 15),
            ("0o17", 15), ("0O17", 15), ("0b101", 5), ("1_000", 1000), ("0_7", 7), ("0", 0), ("00", 0),
            ("", 0), ("-", 0), ("0x", 0), ("08", 0), ("0b102", 0), ("1__0", 0), ("_1", 0), ("1_", 0), ("0_", 0),
            ("12a", 0), (" 1", 0), ("9223372036854775807", .max), ("9223372036854775808", .max),
            ("99999999999999999999", .max), ("-9223372036854775808", .min), ("-99999999999999999999", .min),
        ])
    func parses(text: String, value: Int64) {
        #expect(GoParseInt.base0(text) == value, "\(text)")
    }
}
