import Foundation
import RekeyCore
import Testing
import TestSupport

/// `REKEY_TRACE_PHASES=1`, which `scripts/bench` reads for its breakdown of one run and its fsync
/// count: every phase in order, numbers that add up, the fsyncs the crash-safety design makes, and
/// nothing in the lines but fixed words and numbers.
@Suite("phase trace, end to end")
struct PhaseTraceEndToEndTests {
    @Test("one line per phase in order, times that add up, exec-to-main from REKEY_TRACE_START, the fsync count")
    func phasesOfOneRun() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            var launched = timespec()
            clock_gettime(CLOCK_REALTIME, &launched)
            let start = String(format: "%d.%06d", launched.tv_sec, launched.tv_nsec / 1000)
            let result = try await host.rekey(["run", host.playbookPath], environment: ["REKEY_TRACE_PHASES": "1", "REKEY_TRACE_START": start])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("rekey-phase ") }.map { $0.split(separator: " ") }
            let names = lines.map { String($0[1]) }
            #expect(names == ["exec-to-main", "arguments", "playbook", "key", "client", "state-locks-marker", "validate", "backup",
                              "mint", "rewrite", "probe", "clear-marker", "prune", "client-shutdown", "exit"], "\(result.stderr)")
            let inPhase = lines.compactMap { Double($0[2]) }, sinceStart = lines.compactMap { Double($0[3]) }
            try #require(inPhase.count == lines.count && sinceStart.count == lines.count)
            // The launch is before main, and each line's total is the previous total plus its phase.
            #expect(inPhase[0] > 0 && inPhase[0] == sinceStart[0])
            for index in 1..<lines.count { #expect(abs(sinceStart[index] - sinceStart[index - 1] - inPhase[index]) <= 0.11) }
            // 16 for the rotation, 2 for the status record, 2 for the inventory holding, plus the first
            // creation of state subdirectories: never fewer than the design's 20.
            let fsyncs = try #require(lines.last.flatMap { $0.last }.flatMap { Int($0.dropFirst("fsyncs=".count)) })
            #expect(fsyncs >= 20, "\(result.stderr)")
            #expect(try host.leaks(of: [host.password, host.oldToken, host.currentToken]) == [])
            #expect(!result.stderr.contains(host.envPath) && !result.stderr.contains(host.statePath))
        }
    }
}
