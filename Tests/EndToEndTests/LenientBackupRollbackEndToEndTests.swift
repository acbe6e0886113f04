import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// A backup taken by an earlier release may hold lines that today's stricter env parser refuses to
/// edit (`A=1 KEY=…`, `eval`). Rollback restores a backup byte for byte and only probes its token,
/// so such a backup still rolls back.
@Suite("rollback to a backup today's parser would refuse, end to end")
struct LenientBackupRollbackEndToEndTests {
    @Test("a backup holding an eval line and a second assignment word rolls back byte for byte")
    func oldBackupRollsBack() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)

            // Re-seal the run's backup with bytes an earlier, laxer release could have backed up.
            let runs = try FileManager.default.contentsOfDirectory(atPath: host.statePath + "/runs").filter { $0.hasSuffix(".journal") }
            let run = String(try #require(runs.first).dropLast(".journal".count))
            let backups = host.statePath + "/backups/\(host.consumer)"
            let backupName = try #require(try FileManager.default.contentsOfDirectory(atPath: backups).first { $0.hasSuffix(".sealed") })
            let epoch = try #require(BackupFileName.epoch(backupName))
            let oldText = "# ops credentials\nDEPLOY=1 GITEA_URL=https://gitea.example.org\nGITEA_TOKEN=\(host.oldToken)\neval \"$(true)\"\n"
            let strict = EnvDocument(contents: SecretBytes(utf8: oldText), path: "old")
            #expect(throws: (any Error).self, "the strict parser must refuse this text for the test to mean anything") {
                _ = try strict.value(of: "GITEA_TOKEN")
            }
            let sealer = Sealer(key: try MasterKey.load(from: host.keyPath))
            let blob = sealer.seal(SecretBytes(utf8: oldText), kind: .backup,
                                   context: BackupContext.make(consumer: host.consumer, file: host.envPath, epoch: epoch, run: run))
            try Data(blob).write(to: URL(fileURLWithPath: backups + "/" + backupName))

            let result = try await host.rekey(["rollback", host.consumer])
            #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(host.envText == oldText, "the backup was not restored byte for byte")
            #expect(await host.serverTokens().map(\.lastEight) == [String(host.oldToken.suffix(8))], "the run's token was not deleted")
        }
    }
}

/// `<basename>.bak.<epoch>.sealed` → epoch.
enum BackupFileName {
    static func epoch(_ name: String) -> Int? {
        let parts = name.split(separator: ".")
        guard parts.count >= 3, parts.last == "sealed" else { return nil }
        return Int(parts[parts.count - 2])
    }
}
