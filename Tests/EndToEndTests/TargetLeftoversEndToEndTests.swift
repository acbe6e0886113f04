import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// The env file's lock and its temp leftovers, through the real binary: `recover` removes a temp
/// file (which may hold the new token in plaintext) even when it must refuse the file itself, and
/// `backup open --restore-to` waits for no one: it takes the file's lock or says who holds it.
@Suite("temp leftovers and the file lock, end to end", .serialized)
struct TargetLeftoversEndToEndTests {
    @Test("killed mid-replace, then the file got a second hard link: recover refuses the file but removes the temp file")
    func leftoversRemovedWhenFileRefused() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let killed = try await host.rekey(["run", host.playbookPath, "--timeout", "30"],
                                              environment: ["REKEY_TEST_CRASH_AT": "atomic-after-temp-write:all-credentials.env"])
            #expect(killed.signalled, "the crash point was not reached: \(killed.stderr)")
            let temps = try FileManager.default.contentsOfDirectory(atPath: host.directory.path).filter { $0.contains(".rekey-tmp.") }
            try #require(temps.count == 1, "expected the killed run's temp file: \(temps)")
            #expect(link(host.envPath, host.directory.file("second-link.env")) == 0)

            let recovered = try await host.rekey(["recover"])
            #expect(recovered.status == 65, "stdout: \(recovered.stdout) stderr: \(recovered.stderr)")
            #expect(recovered.combined.contains("hard links"), "\(recovered.combined)")
            let after = try FileManager.default.contentsOfDirectory(atPath: host.directory.path).filter { $0.contains(".rekey-tmp.") }
            #expect(after.isEmpty, "the temp file (it may hold the new token) was left: \(after)")
        }
    }

    @Test("backup open --restore-to takes the file's lock: busy (75) while another rekey holds it, file untouched")
    func restoreToTakesTheLock() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let pair = try await EscrowEndToEndTests.makePair(host)
            #expect(try await host.rekey(["key", "set-recovery", pair.publicPath]).status == 0)
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            let escrow = try #require(try EscrowEndToEndTests.escrowFiles(host).first)
            let rotated = host.envBytes

            let held = try TargetLock.acquire(StateDirectory(root: host.statePath), file: host.envPath)
            let busy = try await host.rekey(["backup", "open", escrow, "--recovery-private-key", pair.privatePath, "--restore-to", host.envPath])
            #expect(busy.status == 75, "stdout: \(busy.stdout) stderr: \(busy.stderr)")
            #expect(busy.stderr.contains("another rekey process is changing \(host.envPath)"), "\(busy.stderr)")
            #expect(host.envBytes == rotated)
            held.release()

            let restored = try await host.rekey(["backup", "open", escrow, "--recovery-private-key", pair.privatePath, "--restore-to", host.envPath])
            #expect(restored.status == 0, "stdout: \(restored.stdout) stderr: \(restored.stderr)")
            #expect(host.envBytes != rotated && host.envText.contains(host.oldToken))
        }
    }
}
