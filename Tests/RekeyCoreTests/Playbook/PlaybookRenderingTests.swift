import Foundation
import Testing
@testable import RekeyCore

@Suite("Playbook template rendering")
struct PlaybookRenderingTests {
    /// 2026-05-01T23:59:58Z: late in the UTC day, so a local-time bug shows up as the wrong date.
    static let moment = Date(timeIntervalSince1970: 1_777_679_998)

    func playbook(name: String = "deploy-{run}", comment: String = "# {token_name}") throws -> Playbook {
        let yaml = PlaybookFixture
            .replacing("  name: \"deploy-{run}\"", with: "  name: \"\(name)\"")
            .replacingOccurrences(of: "  comment: \"# deploy PAT {token_name} (…{last8}) rotated {utc}\"", with: "  comment: \"\(comment)\"")
        return try PlaybookFixture.parse(yaml)
    }

    @Test("token names substitute run, UTC date, consumer and persona",
          arguments: [
              ("deploy-{run}", "deploy-20260501-abc123"),
              ("{consumer}-{persona}-{date}-{run}", "web-host-deployer-20260501-20260501-abc123"),
              ("{run}{run}", "20260501-abc12320260501-abc123"),
              ("x-{run}-{ not a placeholder }", "x-20260501-abc123-{ not a placeholder }"),
              ("{{run}}-{}", "{20260501-abc123}-{}"),
          ])
    func tokenName(template: String, expected: String) throws {
        #expect(try playbook(name: template).tokenName(run: "20260501-abc123", date: Self.moment) == expected)
    }

    @Test("{date} is the UTC day, whatever the local time zone")
    func dateIsUTC() throws {
        let name = try playbook(name: "{date}-{run}").tokenName(run: "r", date: Date(timeIntervalSince1970: 0))
        #expect(name == "19700101-r")
    }

    @Test("the comment substitutes name, last eight, ISO 8601 UTC time, run, consumer and persona")
    func comment() throws {
        let rendered = try playbook(comment: "# PAT {token_name} (…{last8}) at {utc} by {run} for {consumer} as {persona}")
            .comment(tokenName: "deploy-r1", lastEight: "0a1b2c3d", utc: Self.moment, run: "r1")
        #expect(rendered == "# PAT deploy-r1 (…0a1b2c3d) at 2026-05-01T23:59:58Z by r1 for web-host as deployer")
    }

    @Test("a substituted value is not scanned for placeholders again")
    func singlePass() throws {
        let name = try playbook(name: "{run}-{date}").tokenName(run: "{date}", date: Self.moment)
        #expect(name == "{date}-20260501")
        let comment = try playbook(comment: "# {token_name} {last8}")
            .comment(tokenName: "{last8}", lastEight: "deadbeef", utc: Self.moment, run: "r")
        #expect(comment == "# {last8} deadbeef")
    }
}
