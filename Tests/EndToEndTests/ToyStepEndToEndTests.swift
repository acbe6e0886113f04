import Foundation
import RekeyCore
import Testing
import TestSupport

/// A step added with one file and one registry line, proven end to end: the test-only `toy-rekey`
/// executable registers `TouchStep` (TestSupport) and runs RekeyCore's engine, recovery and dry run
/// unchanged, against the stand-in Gitea, on a real disk.
@Suite("a toy step, registered only in a test executable", .serialized)
struct ToyStepEndToEndTests {
    @Test("killed inside the toy step (SIGKILL), the run is settled by recover through the toy step's settle")
    func settledAfterKill() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let original = host.envBytes
            let marker = host.directory.file("touched")
            let killed = try await host.toyRekey(["run", host.playbookPath, marker], environment: ["REKEY_TEST_CRASH_AT": TouchStep.crashPoint])
            #expect(killed.signalled && killed.status == SIGKILL, "not killed in the toy step: \(killed.stderr)")
            #expect(FileManager.default.fileExists(atPath: marker))
            #expect(host.envBytes != original, "the kill came after the rewrite")

            // rekey itself refuses to run the consumer until the run is settled.
            #expect(try await host.rekey(["run", host.playbookPath]).status == 75)

            let recover = try await host.toyRekey(["recover", marker])
            #expect(recover.status == 0, "stdout: \(recover.stdout) stderr: \(recover.stderr)")
            #expect(recover.stdout.contains("removed \(marker)"), "the toy step's settle did not report: \(recover.stdout)")
            #expect(!FileManager.default.fileExists(atPath: marker))
            // It undid the whole run: the file's original bytes, only the old token on the server.
            #expect(host.envBytes == original)
            #expect(await host.serverTokens().map(\.lastEight) == [String(host.oldToken.suffix(8))])

            let again = try await host.rekey(["recover"])
            #expect(again.status == 0 && again.stdout.contains("nothing to recover"), "stdout: \(again.stdout)")
        }
    }

    @Test("when the toy step fails, it and every step before it are compensated")
    func compensated() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let original = host.envBytes
            let marker = host.directory.file("touched")
            let run = try await host.toyRekey(["run", host.playbookPath, marker], environment: ["TOY_FAIL": "1"])
            #expect(run.status == RekeyCore.ExitStatus.unavailable.rawValue, "stdout: \(run.stdout) stderr: \(run.stderr)")
            #expect(run.stdout.contains("compensated touch: removed \(marker)"))
            #expect(!FileManager.default.fileExists(atPath: marker))
            #expect(host.envBytes == original)
            #expect(await host.serverTokens().map(\.lastEight) == [String(host.oldToken.suffix(8))])
        }
    }

    @Test("a dry run plans it after the standard steps and changes nothing")
    func planned() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let original = host.envBytes
            let marker = host.directory.file("touched")
            let plan = try await host.toyRekey(["plan", host.playbookPath, marker])
            #expect(plan.status == 0, "stderr: \(plan.stderr)")
            #expect(plan.stdout.contains("steps backup, mint, rewrite, probe, touch"))
            #expect(plan.stdout.split(separator: "\n").last.map(String.init) == "  touch     would write \(marker)")
            #expect(!FileManager.default.fileExists(atPath: marker))
            #expect(host.envBytes == original)
            #expect(await host.serverTokens().count == 1)
        }
    }
}
