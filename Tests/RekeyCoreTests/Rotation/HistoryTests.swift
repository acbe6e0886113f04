import Foundation
import Logging
import Testing
@testable import RekeyCore
import TestSupport

/// `rekey history`'s reading of the journals: outcomes, tokens, backups, what rollback restores,
/// and damaged journals listed rather than crashing the listing.
@Suite("Run history")
struct HistoryTests {
    @Test("a done run and a rolled-back run, newest first, with token, backup and what rollback restores")
    func doneAndRolledBack() async throws {
        let fixture = try EngineFixture()
        let gitea = FakeGitea(login: "ops-automation")
        let done = try await fixture.rotation(gitea: gitea).run()
        gitea.loginOverride = "somebody-else"
        let rolledBack = try await fixture.rotation(gitea: gitea).run()
        #expect(done.outcome == .rotated && rolledBack.outcome == .rolledBack)

        let entries = History.entries(state: fixture.state, sealer: fixture.sealer)
        #expect(entries.map(\.run) == [rolledBack.run, done.run])

        let first = entries[1]
        #expect(first.outcome == .done)
        #expect(first.consumer == "fixture-host")
        #expect(first.operation == .rotate)
        #expect(first.exitCode == 0)
        #expect(first.token == .init(id: done.token?.id, name: done.token!.name, lastEight: done.token!.lastEight, deleted: false))
        #expect(first.previousLastEight == "1a2b3c4d")
        #expect(first.backup == done.backup)
        #expect(first.rollbackRestores == .init(backup: done.backup!, lastEight: "1a2b3c4d"))
        #expect(first.problem == nil)

        let second = entries[0]
        #expect(second.outcome == .rolledBack)
        #expect(second.exitCode == RekeyCore.ExitStatus.probeFailedRolledBack.rawValue)
        #expect(second.token?.deleted == true)
        // The file was restored already: there is nothing for rollback to put back.
        #expect(second.rollbackRestores == nil)
        // The second run began with the first run's token in the file.
        #expect(second.previousLastEight == done.token?.lastEight)

        #expect(History.entries(state: fixture.state, sealer: fixture.sealer, consumer: "someone-else").isEmpty)
        #expect(History.entries(state: fixture.state, sealer: fixture.sealer, consumer: "fixture-host").count == 2)
    }

    @Test("a torn journal shows its whole records; one without an end record is unfinished; garbage is unreadable")
    func damagedJournals() async throws {
        let fixture = try EngineFixture()
        let done = try await fixture.rotation(gitea: FakeGitea(login: "ops-automation")).run()

        // A run that died after its first record, mid-way through writing the second.
        let died = RunID("20200101T000000Z-aaaaaa")
        let journal = Journal(state: fixture.state, run: died, sealer: fixture.sealer)
        var begin = JournalRecord(kind: .begin, at: 1_577_836_800, consumer: "fixture-host", run: died.value)
        begin.operation = .rotate
        begin.lastEight = "1a2b3c4d"
        try journal.append(begin)
        let handle = try #require(FileHandle(forWritingAtPath: journal.path))
        handle.seekToEndOfFile()
        handle.write(Data([0, 0, 1, 0, 0x52, 0x4b]))
        try handle.close()

        // A journal that is not one at all.
        let garbage = fixture.state.journalPath(run: "20190101T000000Z-bbbbbb")
        try AtomicFile.createExclusive(garbage, bytes: [0, 0, 0, 5, 1, 2, 3, 4, 5])

        let entries = History.entries(state: fixture.state, sealer: fixture.sealer)
        #expect(entries.map(\.run) == [done.run, died.value, "20190101T000000Z-bbbbbb"])
        #expect(entries[1].outcome == .unfinished)
        #expect(entries[1].time == "2020-01-01T00:00:00Z")
        #expect(entries[1].previousLastEight == "1a2b3c4d")
        #expect(entries[1].problem?.contains("torn") == true)
        #expect(entries[2].outcome == .unreadable)
        #expect(entries[2].time == "2019-01-01T00:00:00Z")
        #expect(entries[2].problem?.contains(garbage) == true)
        // Filtering by consumer still shows the journal whose consumer cannot be known.
        #expect(History.entries(state: fixture.state, sealer: fixture.sealer, consumer: "fixture-host").count == 3)
    }

    @Test("a journal sealed under another master key is listed as unreadable, naming the key problem")
    func otherKey() async throws {
        let fixture = try EngineFixture()
        let done = try await fixture.rotation(gitea: FakeGitea(login: "ops-automation")).run()
        let entries = History.entries(state: fixture.state, sealer: Sealer(key: MasterKey.generate()))
        #expect(entries.map(\.run) == [done.run])
        #expect(entries[0].outcome == .unreadable)
        #expect(entries[0].problem?.contains("another master key") == true)
    }

    @Test("a backup pruned by retention, or whose name now holds another run's backup, is not offered for rollback")
    func prunedOrReplacedBackup() async throws {
        let fixture = try EngineFixture()
        var playbook = fixture.playbook
        playbook.keepBackups = 1
        let gitea = FakeGitea(login: "ops-automation")
        var reports: [RunReport] = []
        // Runs a minute apart (a clock of our own), so every backup gets its own epoch.
        let start = Date().timeIntervalSince1970
        for index in 0..<3 {
            var rotation = Rotation(playbook: playbook, state: fixture.state, sealer: fixture.sealer, gitea: gitea, logger: Logger(label: "test"))
            rotation.now = { Date(timeIntervalSince1970: start + Double(60 * index)) }
            reports.append(try await rotation.run())
        }
        // keep_backups 1: the first two runs' backups were pruned.
        #expect(try fixture.state.listBackups(consumer: "fixture-host").map(\.path) == [reports[2].backup])
        // The second run's backup name now holds a backup taken by some other run.
        let reused = try #require(reports[1].backup)
        let epoch = try #require(BackupFile.parse(name: (reused as NSString).lastPathComponent)?.epoch)
        try AtomicFile.replace(reused, with: fixture.sealer.seal(SecretBytes(utf8: "A=1\n"), kind: .backup,
            context: BackupContext.make(consumer: "fixture-host", file: fixture.envPath, epoch: epoch, run: "20990101T000000Z-ffffff")))

        let entries = History.entries(state: fixture.state, sealer: fixture.sealer)
        #expect(entries.map(\.run) == reports.reversed().map(\.run))
        #expect(entries.map(\.backupStatus) == [nil, "replaced", "missing"])
        #expect(entries[0].rollbackRestores?.backup == reports[2].backup)
        #expect(entries[1].rollbackRestores == nil && entries[2].rollbackRestores == nil)
    }
}
