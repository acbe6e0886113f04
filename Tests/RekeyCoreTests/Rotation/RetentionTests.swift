import Foundation
import Logging
import Testing
@testable import RekeyCore
import RekeyText
import TestSupport

/// Which backups retention keeps and deletes, and that a successful rotation prunes on a real disk.
@Suite("Backup retention")
struct RetentionTests {
    static let day = 86_400
    static let now = 1_800_000_000

    /// Backups taken `daysAgo` days before `now`, in the order given.
    static func backups(_ daysAgo: [Int]) -> [BackupFile] {
        daysAgo.map { days in
            let epoch = now - days * day
            return BackupFile(path: "/state/backups/c/app.env.bak.\(epoch).sealed", basename: "app.env", epoch: epoch, size: 100)
        }
    }

    static func daysAgo(_ files: [BackupFile]) -> [Int] { files.map { (now - $0.epoch) / day } }

    @Test("keeps the newest N and prunes the rest, whatever order they are listed in")
    func keepsNewestN() {
        let decision = Retention.plan(Self.backups([3, 0, 5, 1, 2, 4]), keep: 3, maxAgeSeconds: 90 * Self.day, now: Self.now, protected: [])
        #expect(Self.daysAgo(decision.keep) == [0, 1, 2])
        #expect(Self.daysAgo(decision.prune) == [3, 4, 5])
    }

    @Test("prunes backups older than the maximum age even within the count")
    func prunesByAge() {
        let decision = Retention.plan(Self.backups([0, 10, 89, 91, 200]), keep: 20, maxAgeSeconds: 90 * Self.day, now: Self.now, protected: [])
        #expect(Self.daysAgo(decision.keep) == [0, 10, 89])
        #expect(Self.daysAgo(decision.prune) == [91, 200])
    }

    @Test("a backup exactly max_backup_age old is kept; one second older is pruned")
    func ageBoundary() {
        let exact = BackupFile(path: "/b/a.env.bak.1.sealed", basename: "a.env", epoch: Self.now - 90 * Self.day, size: 1)
        let older = BackupFile(path: "/b/a.env.bak.0.sealed", basename: "a.env", epoch: Self.now - 90 * Self.day - 1, size: 1)
        let newest = BackupFile(path: "/b/a.env.bak.9.sealed", basename: "a.env", epoch: Self.now, size: 1)
        let decision = Retention.plan([older, exact, newest], keep: 20, maxAgeSeconds: 90 * Self.day, now: Self.now, protected: [])
        #expect(decision.keep == [newest, exact])
        #expect(decision.prune == [older])
    }

    @Test("never prunes the newest backup, even when it is older than the maximum age")
    func neverTheNewest() {
        let decision = Retention.plan(Self.backups([120, 150, 400]), keep: 1, maxAgeSeconds: 90 * Self.day, now: Self.now, protected: [])
        #expect(Self.daysAgo(decision.keep) == [120])
        #expect(Self.daysAgo(decision.prune) == [150, 400])
    }

    @Test("never prunes the backup a rollback of the newest successful run needs, beyond the count or the age")
    func neverTheRollbackOne() {
        let all = Self.backups([0, 1, 2, 3, 100])
        let rollbackByCount = all[3]
        let rollbackByAge = all[4]
        let byCount = Retention.plan(all, keep: 2, maxAgeSeconds: 90 * Self.day, now: Self.now, protected: [rollbackByCount.path])
        #expect(Self.daysAgo(byCount.keep) == [0, 1, 3])
        #expect(Self.daysAgo(byCount.prune) == [2, 100])
        let byAge = Retention.plan(all, keep: 20, maxAgeSeconds: 90 * Self.day, now: Self.now, protected: [rollbackByAge.path])
        #expect(byAge.prune.isEmpty)
    }

    @Test("no backups, nothing to do; one backup is always kept")
    func edges() {
        #expect(Retention.plan([], keep: 1, maxAgeSeconds: 3600, now: Self.now, protected: []) == .init(keep: [], prune: []))
        let one = Self.backups([1000])
        #expect(Retention.plan(one, keep: 1, maxAgeSeconds: 3600, now: Self.now, protected: []) == .init(keep: one, prune: []))
    }

    @Test("prune deletes the planned files (and their escrow copies) on disk and leaves every other file alone")
    func prunesOnDisk() throws {
        let directory = TempDirectory("rekey-retention")
        let state = StateDirectory(root: directory.file("state"))
        try state.prepare()
        try Directories.make(state.backupDirectory(consumer: "c"), mode: 0o700)
        var paths: [String] = []
        for epoch in [1000, 2000, 3000, 4000] {
            let path = state.backupPath(consumer: "c", basename: "app.env", epoch: epoch)
            try AtomicFile.createExclusive(path, bytes: [UInt8](repeating: 1, count: 10))
            paths.append(path)
        }
        try AtomicFile.createExclusive(Escrow.path(forBackup: paths[0]), bytes: [2])
        // Another env file's backups of the same consumer are not this playbook's to prune.
        let other = state.backupPath(consumer: "c", basename: "other.env", epoch: 10)
        try AtomicFile.createExclusive(other, bytes: [3])

        let outcome = Retention.prune(state: state, consumer: "c", basename: "app.env", keep: 2, maxAgeSeconds: 1_000_000,
                                      now: 5000, protected: [])
        #expect(outcome.failures.isEmpty)
        #expect(outcome.removed.map(\.epoch) == [2000, 1000])
        #expect(outcome.kept.map(\.epoch) == [4000, 3000])
        #expect(try state.listBackups(consumer: "c", basename: "app.env").map(\.epoch) == [4000, 3000])
        #expect(!FileManager.default.fileExists(atPath: Escrow.path(forBackup: paths[0])))
        #expect(FileManager.default.fileExists(atPath: other))
        #expect(StepText.pruned(outcome.pruned(keep: 2, maxAgeSeconds: 1_000_000)).hasPrefix(
            "removed 2 old backups: app.env.bak.2000.sealed, app.env.bak.1000.sealed; kept 2 backups"))
    }

    @Test("a backup that cannot be removed is a warning in the summary, and is counted as kept")
    func removalFailureIsAWarning() throws {
        let directory = TempDirectory("rekey-retention")
        let state = StateDirectory(root: directory.file("state"))
        try state.prepare()
        let folder = state.backupDirectory(consumer: "c")
        try Directories.make(folder, mode: 0o700)
        for epoch in [1000, 2000] {
            try AtomicFile.createExclusive(state.backupPath(consumer: "c", basename: "app.env", epoch: epoch), bytes: [1])
        }
        // unlink refuses a directory (for root too): an "escrow copy" that is a directory cannot be removed.
        let stuck = state.backupPath(consumer: "c", basename: "app.env", epoch: 1000)
        try FileManager.default.createDirectory(atPath: Escrow.path(forBackup: stuck) + "/inside", withIntermediateDirectories: true)
        let outcome = Retention.prune(state: state, consumer: "c", basename: "app.env", keep: 1, maxAgeSeconds: 1_000_000,
                                      now: 3000, protected: [])
        #expect(outcome.removed.isEmpty)
        #expect(outcome.kept.map(\.epoch) == [2000, 1000])
        #expect(FileManager.default.fileExists(atPath: stuck))
        let summary = StepText.pruned(outcome.pruned(keep: 1, maxAgeSeconds: 1_000_000))
        #expect(summary.hasPrefix("kept 2 backups (keep_backups 1, max_backup_age 277h); warning: "), "\(summary)")
        #expect(summary.contains("warning: could not remove \(stuck): "), "\(summary)")
    }

    @Test("a successful rotation prunes by keep_backups under its lock and says so in a prune line; a failed one prunes nothing")
    func rotationPrunes() async throws {
        let fixture = try EngineFixture()
        var playbook = fixture.playbook
        playbook.keepBackups = 2
        let gitea = FakeGitea(login: "ops-automation")
        var reports: [RunReport] = []
        var lines: [StepReport] = []
        for _ in 0..<3 {
            let rotation = Rotation(playbook: playbook, state: fixture.state, sealer: fixture.sealer, gitea: gitea, logger: Logger(label: "test"))
            reports.append(try await rotation.run(onStep: { lines.append($0) }))
        }
        #expect(reports.map(\.exitCode) == [0, 0, 0])
        let left = try fixture.state.listBackups(consumer: "fixture-host").map(\.path)
        #expect(left == [reports[2].backup, reports[1].backup].compactMap { $0 })
        let prunes = lines.filter { $0.step == Retention.stepName }
        #expect(prunes.count == 3)
        #expect(prunes[2].outcome == .ok)
        #expect(StepText.detail(prunes[2].detail).hasPrefix("removed 1 old backup: \((reports[0].backup! as NSString).lastPathComponent); kept 2 backups"))
        #expect(!reports[2].steps.contains { $0.step == Retention.stepName })

        // A rolled-back run takes a backup and prunes nothing.
        gitea.loginOverride = "somebody-else"
        let failed = try await Rotation(playbook: playbook, state: fixture.state, sealer: fixture.sealer, gitea: gitea,
                                        logger: Logger(label: "test")).run()
        #expect(failed.outcome == .rolledBack)
        #expect(!failed.steps.contains { $0.step == Retention.stepName })
        #expect(try fixture.state.listBackups(consumer: "fixture-host").count == 3)
    }

    @Test("after a run that minted nothing, the backup of the newest successful rotation is still protected")
    func backupOnlyRunProtectsTheRotationBackup() async throws {
        let fixture = try EngineFixture()
        var playbook = fixture.playbook
        playbook.keepBackups = 1
        let gitea = FakeGitea(login: "ops-automation")
        let rotated = try await Rotation(playbook: playbook, state: fixture.state, sealer: fixture.sealer, gitea: gitea,
                                         logger: Logger(label: "test")).run()
        #expect(rotated.outcome == .rotated)
        playbook.steps = [.backup]
        var reports: [RunReport] = []
        for _ in 0..<2 {
            reports.append(try await Rotation(playbook: playbook, state: fixture.state, sealer: fixture.sealer, gitea: gitea,
                                              logger: Logger(label: "test")).run())
        }
        #expect(reports.map(\.outcome) == [.rotated, .rotated])
        // keep_backups 1 keeps the newest; the rotation's backup survives; the middle one goes.
        let left = Set(try fixture.state.listBackups(consumer: "fixture-host").map(\.path))
        #expect(left == Set([reports[1].backup!, rotated.backup!]))
    }
}
