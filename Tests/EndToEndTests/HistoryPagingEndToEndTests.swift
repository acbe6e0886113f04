import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// `rekey history --limit N --before RUN`: pages of runs, newest first, that together list every
/// run exactly once.
@Suite("history pages, end to end")
struct HistoryPagingEndToEndTests {
    @Test("five runs, pages of two: 2 + 2 + 1, newest first, each run once; the default page is 50; --limit 0 lists all")
    func pages() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            var runs: [String] = []
            for _ in 0..<5 {
                let result = try await host.rekey(["run", host.playbookPath])
                #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
                runs.append(try HistoryEndToEndTests.runID(result))
            }
            var seen: [String] = []
            var before: String?
            var pageSizes: [Int] = []
            for _ in 0..<4 {
                let page = try await host.rekey(["history", "--json", "--limit", "2"] + (before.map { ["--before", $0] } ?? []))
                #expect(page.status == 0, "stderr: \(page.stderr)")
                let ids = try HistoryEndToEndTests.jsonArray(page.stdout).compactMap { $0["run"] as? String }
                pageSizes.append(ids.count)
                if ids.isEmpty { break }
                seen += ids
                before = ids.last
            }
            #expect(pageSizes == [2, 2, 1, 0])
            #expect(seen == runs.reversed(), "pages must list every run once, newest first")

            let human = try await host.rekey(["history", "--limit", "2"])
            #expect(human.stdout.contains("--before \(runs[3])"), "the human page says how to get the next one: \(human.stdout)")
            let all = try await host.rekey(["history", "--json", "--limit", "0"])
            #expect(try HistoryEndToEndTests.jsonArray(all.stdout).count == 5)
            let bad = try await host.rekey(["history", "--limit", "-1"])
            #expect(bad.status == 64, "stderr: \(bad.stderr)")
        }
    }
}
