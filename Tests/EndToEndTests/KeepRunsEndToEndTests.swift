import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// `keep_runs`: a consumer's journals beyond its newest N are folded into its sealed history
/// summary; `rekey history` still lists every run, one line each, also after `key rotate` and for
/// state without the run index (an earlier release's).
@Suite("keep_runs, end to end")
struct KeepRunsEndToEndTests {
    static func journals(_ host: EndToEndHost) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: host.statePath + "/runs").filter { $0.hasSuffix(".journal") }.sorted()
    }

    @Test("keep_runs 2: after four runs two journals remain, history lists all four (two folded), also after key rotate")
    func foldsAndLists() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "keep_runs: 2")
            var runs: [String] = []
            var lastOutput = ""
            for _ in 0..<4 {
                let result = try await host.rekey(["run", host.playbookPath])
                #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
                runs.append(try HistoryEndToEndTests.runID(result))
                lastOutput = result.stdout
            }
            #expect(try Self.journals(host) == runs.suffix(2).map { $0 + ".journal" })
            #expect(lastOutput.contains("folded 1 old run journal into the history summary"), "\(lastOutput)")
            let summary = host.statePath + "/runs/summary/\(host.consumer).sealed"
            #expect(FileManager.default.fileExists(atPath: summary))
            // Sealed: no token tail or run id in plaintext.
            let sealedText = String(decoding: try Data(contentsOf: URL(fileURLWithPath: summary)), as: UTF8.self)
            #expect(!sealedText.contains(runs[0]))

            func listed() async throws -> [[String: Any]] {
                let history = try await host.rekey(["history", "--json", "--limit", "0"])
                #expect(history.status == 0, "stderr: \(history.stderr)")
                return try HistoryEndToEndTests.jsonArray(history.stdout)
            }
            var entries = try await listed()
            #expect(entries.compactMap { $0["run"] as? String } == runs.reversed())
            #expect(entries.map { ($0["folded"] as? Bool) ?? false } == [false, false, true, true])
            #expect(entries.allSatisfy { ($0["outcome"] as? String) == "done" })
            let human = try await host.rekey(["history"])
            #expect(human.stdout.contains("\(runs[0])") && human.stdout.contains("(journal folded into the summary)"))

            let rotated = try await host.rekey(["key", "rotate"])
            #expect(rotated.status == 0, "stdout: \(rotated.stdout) stderr: \(rotated.stderr)")
            entries = try await listed()
            #expect(entries.compactMap { $0["run"] as? String } == runs.reversed(), "the summary did not survive key rotate")

            // State without the run index (as an earlier release left it) is indexed from the journals.
            try FileManager.default.removeItem(atPath: host.statePath + "/runs/index")
            try host.writePlaybook(extra: "keep_runs: 1")
            let fifth = try await host.rekey(["run", host.playbookPath])
            #expect(fifth.status == 0, "stdout: \(fifth.stdout) stderr: \(fifth.stderr)")
            runs.append(try HistoryEndToEndTests.runID(fifth))
            #expect(try Self.journals(host) == [runs[4] + ".journal"])
            entries = try await listed()
            #expect(entries.compactMap { $0["run"] as? String } == runs.reversed())
        }
    }

    @Test("keep_runs 0 is refused with the line and what to write (exit 78)")
    func zeroRefused() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "keep_runs: 0")
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 78, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stderr.contains("keep_runs is 0") && result.stderr.contains("use 1 or more"), "\(result.stderr)")
        }
    }
}
