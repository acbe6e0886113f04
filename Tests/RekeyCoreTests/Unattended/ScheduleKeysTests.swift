@testable import RekeyCore
import Testing

@Suite("every and max_failures in a playbook")
struct ScheduleKeysTests {
    @Test("absent: always due under --unattended, max_failures 3")
    func defaults() throws {
        let playbook = try PlaybookFixture.parse(PlaybookFixture.valid)
        #expect(playbook.every == nil && playbook.maxFailures == 3)
    }

    @Test("every: 30d and max_failures: 5 are read")
    func read() throws {
        let playbook = try PlaybookFixture.parse(PlaybookFixture.appending("every: 30d\nmax_failures: 5"))
        #expect(playbook.every == 2_592_000 && playbook.maxFailures == 5)
    }

    @Test("bad values are refused at their line", arguments: [
        ("every: 30", "every must be a duration"), ("every: 10s", "at least 1m"), ("every: 1w", "every must be a duration"),
        ("max_failures: 0", "between 1 and 1000"), ("max_failures: three", "whole number"),
    ])
    func refused(line: String, problem: String) throws {
        let error = try #require(PlaybookFixture.error(PlaybookFixture.appending(line)))
        #expect(error.description.contains(problem), "\(error.description)")
        #expect(error.line == 15)  // the line appended after the 14-line fixture
    }
}
