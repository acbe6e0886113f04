import Foundation
import Testing
import Yams
@testable import RekeyCore

/// Playbooks are typed by rekey's own plain-scalar rules instead of Yams' regular expressions; the
/// oracle is Yams' default resolver itself: for each scalar, what a playbook field would see
/// (null, bool, int, float or text) must be what it saw before.
@Suite struct PlainScalarTagTests {
    static let scalars = [
        "", "~", "null", "Null", "NULL", "nULL", "none",
        "yes", "Yes", "YES", "yEs", "no", "No", "NO", "true", "True", "TRUE", "tRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF", "y", "n",
        "0", "-0", "+0", "7", "42", "-42", "+42", "1_000", "1__0", "_1", "01", "007", "08", "0o17", "0o8", "0o", "0_7",
        "0b1010", "0b", "0b102", "-0b1", "0x1F", "0xfg", "0x", "+0x_a", "1:30", "190:20:30", "1:60", "1:5", "0:30",
        "1.5", "-1.5", "1.", "1.5e3", "1e3", "1E+3", "1e", "1.5e-3x", ".5", "-.5", ".5e+3", ".5e3", "._", "1_000.5",
        "1:30.5", "1:30.", "190:20:30.15", ".inf", "-.inf", "+.Inf", ".INF", ".nan", ".NaN", "-.nan", "inf", "nan",
        "30d", "1d", "10m", "0s", "2024-05-01", "2024-05-01T10:00:00Z", "<<", "=", "https://git.example.com",
        "rekey-{consumer}-{run}", "/etc/app/env", "1 2", "12abc", "--1", "+", ".", "0.0.0.0", "1e3.5",
    ]

    @Test(arguments: scalars) func sameTypeAsYamsDefaultResolver(_ scalar: String) throws {
        let yaml = "k: \(scalar)\n"
        guard let oracle = try Yams.compose(yaml: yaml, .default)?.mapping?.first?.value,
              let ours = try Yams.compose(yaml: yaml, .basic)?.mapping?.first?.value
        else { Issue.record("\(scalar) did not compose"); return }
        var expected = Tag.Name(rawValue: oracle.tag.rawValue)
        if [.timestamp, .merge, .value].contains(expected) { expected = .str }
        #expect(PlaybookReader.tag(of: ours) == expected, "\(scalar)")
    }

    @Test func explicitTagsAndQuotesStillCount() throws {
        let yaml = "a: !!int 30\nb: '30'\nc: \"true\"\nd: !!bool \"true\"\n"
        let mapping = try #require(try Yams.compose(yaml: yaml, .basic)?.mapping)
        #expect(PlaybookReader.tag(of: try #require(mapping["a"])) == .int)
        #expect(PlaybookReader.tag(of: try #require(mapping["b"])) == .str)
        #expect(PlaybookReader.tag(of: try #require(mapping["c"])) == .str)
        #expect(PlaybookReader.tag(of: try #require(mapping["d"])) == .bool)
        #expect(PlainScalarTag.boolean("true") == true && PlainScalarTag.boolean("OFF") == false && PlainScalarTag.boolean("tRuE") == true)
        #expect(PlainScalarTag.boolean("y") == nil)
    }
}
