#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport
@testable import RekeyCore

/// `KeyRotation` on a real disk: what the state directory holds afterwards, and what a refused or
/// interrupted rotation leaves behind. The crash tests that kill the real binary are in
/// EndToEndTests/KeyRotateEndToEndTests.swift.
@Suite("Key rotation")
struct KeyRotationTests {
    let dir = TempDirectory("rekey-keyrot")
    var state: StateDirectory { StateDirectory(root: dir.file("state")) }
    var keyPath: String { dir.file("etc/master.key") }
    var nextPath: String { keyPath + ".next" }
    let run = RunID("20260101T000000Z-abcdef")
    let backupContext = "backup|drone|/etc/drone.env|1700000000|20260101T000000Z-abcdef"
    let tokenValue = "0123456789abcdef0123456789abcdef01234567"

    /// A state directory with two vault entries, a backup, a three-record journal and an inventory,
    /// all sealed under a fresh key at `keyPath`. Returns that key.
    @discardableResult
    func seed() throws -> MasterKey {
        try state.prepare()
        let key = try MasterKey.create(at: keyPath)
        let sealer = Sealer(key: key)
        let vault = Vault(state: state, sealer: sealer)
        try vault.store(VaultEntry(username: "ci-bot", password: SecretBytes(utf8: "pw-one")), name: "ci-bot")
        try vault.store(VaultEntry(username: "ops", password: SecretBytes(utf8: "pw-two"), totpSeed: SecretBytes(utf8: "JBSWY3DPEHPK3PXP")), name: "ops")
        try Directories.make(state.backupDirectory(consumer: "drone"), mode: 0o700)
        try AtomicFile.replace(backupPath, with: sealer.seal(SecretBytes(utf8: "GITEA_TOKEN=old\n"), kind: .backup, context: backupContext))
        let journal = Journal(state: state, run: run, sealer: sealer)
        try journal.append(JournalRecord(kind: .begin, at: 1, consumer: "drone", run: run.value))
        try journal.append(JournalRecord(kind: .minted, at: 2, consumer: "drone", run: run.value), secret: SecretBytes(utf8: tokenValue))
        try journal.append(JournalRecord(kind: .done, at: 3, consumer: "drone", run: run.value))
        try AtomicFile.replace(state.inventoryPath, with: sealer.seal(SecretBytes(utf8: "{}"), kind: .inventory, context: "inventory"))
        return key
    }

    var backupPath: String { state.backupPath(consumer: "drone", basename: "drone.env", epoch: 1_700_000_000) }
    var journalPath: String { state.journalPath(run: run.value) }

    /// Opens every blob of the seeded state with `key`; throws on the first that does not open.
    func openEverything(with key: MasterKey) throws {
        let sealer = Sealer(key: key)
        let vault = Vault(state: state, sealer: sealer)
        #expect(try vault.load("ci-bot").password.withUnsafeBytes { Array($0) } == Array("pw-one".utf8))
        #expect(try vault.load("ops").totpSeed?.withUnsafeBytes { Array($0) } == Array("JBSWY3DPEHPK3PXP".utf8))
        let backup = try sealer.open(try AtomicFile.readBytes(backupPath), kind: .backup, context: backupContext, source: backupPath)
        #expect(backup.withUnsafeBytes { Array($0) } == Array("GITEA_TOKEN=old\n".utf8))
        let journal = try Journal.read(path: journalPath, run: run.value, sealer: sealer)
        #expect(journal.records.map(\.0.kind) == [.begin, .minted, .done])
        #expect(journal.records[1].1.withUnsafeBytes { Array($0) } == Array(tokenValue.utf8))
        #expect(!journal.tornTail)
        _ = try sealer.open(try AtomicFile.readBytes(state.inventoryPath), kind: .inventory, context: "inventory", source: state.inventoryPath)
    }

    func keyID(at path: String) throws -> String { try MasterKey.load(from: path).keyIDHex }

    @Test func rotationReSealsEveryBlobUnderANewKeyAndInstallsIt() throws {
        let old = try seed()
        let report = try KeyRotation(state: state, keyPath: keyPath).run()

        let new = try MasterKey.load(from: keyPath)
        #expect(new.keyIDHex != old.keyIDHex)
        #expect(report.oldKeyID == old.keyIDHex && report.newKeyID == new.keyIDHex && !report.resumed)
        #expect(report.vaultEntries == 2 && report.backups == 1 && report.journals == 1 && report.journalRecords == 3 && report.inventories == 1)
        #expect(report.rewrittenFiles == 5)
        #expect(!Disk.exists(nextPath))
        #expect(Disk.mode(keyPath) == 0o600)
        try openEverything(with: new)
        // The old key opens nothing: each file says it was sealed under another key.
        for path in [state.vaultPath(name: "ci-bot"), backupPath, state.inventoryPath] {
            let blob = try AtomicFile.readBytes(path)
            let error = #expect(throws: SealError.self) {
                try Sealer(key: old).open(blob, kind: BlobKind(rawValue: blob[4])!, context: try BlobHeader.parse(blob, source: path).context, source: path)
            }
            #expect(error?.exitStatus == .noPermission)
        }
        #expect(throws: SealError.self) { try Journal.read(path: journalPath, run: run.value, sealer: Sealer(key: old)) }
        // Contexts are kept: the backup still refuses to open as another consumer's.
        #expect(throws: SealError.self) {
            try Sealer(key: new).open(try AtomicFile.readBytes(backupPath), kind: .backup, context: "backup|other|/etc/drone.env|1700000000|x", source: backupPath)
        }
    }

    @Test func aRerunAfterAnInterruptionContinuesWithTheKeyInDotNext() throws {
        let old = try seed()
        // What a crash after the first blob leaves: <key>.next, and one vault entry under it.
        let next = try MasterKey.create(at: nextPath)
        try Vault(state: state, sealer: Sealer(key: next)).store(VaultEntry(username: "ci-bot", password: SecretBytes(utf8: "pw-one")), name: "ci-bot")
        #expect(throws: KeyRotationError(path: keyPath, reason: .unfinished(nextKeyPath: nextPath))) {
            try KeyRotationLock.enterKeyUse(state: state, keyPath: keyPath)
        }

        let report = try KeyRotation(state: state, keyPath: keyPath).run()
        #expect(report.resumed)
        #expect(report.rewrittenFiles == 4 && report.totalFiles == 5)
        #expect(try keyID(at: keyPath) == next.keyIDHex)
        #expect(report.oldKeyID == old.keyIDHex)
        try openEverything(with: next)
        try KeyRotationLock.KeyUse(state: state, keyPath: keyPath).release()
    }

    @Test func aBlobUnderAThirdKeyStopsTheRotationAndLosesNothing() throws {
        let old = try seed()
        let stranger = MasterKey.generate()
        try Vault(state: state, sealer: Sealer(key: stranger)).store(VaultEntry(username: "x", password: SecretBytes(utf8: "pw")), name: "stray")
        let strayPath = state.vaultPath(name: "stray")

        let error = #expect(throws: KeyRotationError.self) { try KeyRotation(state: state, keyPath: keyPath).run() }
        #expect(error?.exitStatus == .noPermission)
        #expect(error?.description.hasPrefix("sealed file \(strayPath) was sealed under key id \(stranger.keyIDHex), neither the current key (\(old.keyIDHex))") == true)
        // Unfinished: the old key is still installed, the new one waits, and the blobs before the
        // stray one are already under it; every blob opens with one of the two.
        #expect(try keyID(at: keyPath) == old.keyIDHex)
        let next = try MasterKey.load(from: nextPath)
        _ = try Vault(state: state, sealer: Sealer(key: next)).load("ci-bot")
        _ = try Vault(state: state, sealer: Sealer(key: next)).load("ops")
        _ = try Journal.read(path: journalPath, run: run.value, sealer: Sealer(key: old))

        try AtomicFile.remove(strayPath)
        let report = try KeyRotation(state: state, keyPath: keyPath).run()
        #expect(report.resumed && report.newKeyID == next.keyIDHex)
        try openEverything(with: next)
    }

    @Test func aBusyConsumerOrKeyUserRefusesTheRotationBeforeAnythingChanges() throws {
        try seed()
        let before = try dir.allFiles().filter { $0.path.hasPrefix(state.root) && !$0.path.contains("/locks/") }.map { $0.path + Digest.sha256Hex($0.bytes) }

        let lock = try ConsumerLock.acquire(state, consumer: "drone", wait: false)
        let busy = #expect(throws: KeyRotationError.self) { try KeyRotation(state: state, keyPath: keyPath).run() }
        #expect(busy?.reason == .consumerBusy("drone") && busy?.exitStatus == .busy)
        lock.release()

        let use = try KeyRotationLock.KeyUse(state: state, keyPath: keyPath)
        let inUse = #expect(throws: KeyRotationError.self) { try KeyRotation(state: state, keyPath: keyPath).run() }
        #expect(inUse?.reason == .stateBusy && inUse?.exitStatus == .busy)
        use.release()

        #expect(!Disk.exists(nextPath))
        let after = try dir.allFiles().filter { $0.path.hasPrefix(state.root) && !$0.path.contains("/locks/") }.map { $0.path + Digest.sha256Hex($0.bytes) }
        #expect(after == before)
        _ = try KeyRotation(state: state, keyPath: keyPath).run()
    }

    @Test func otherCommandsRefuseWhileARotationHoldsTheStateLock() throws {
        try seed()
        let fd = try KeyRotationLock.acquireExclusive(state: state)
        let error = #expect(throws: KeyRotationError.self) { try KeyRotationLock.enterKeyUse(state: state, keyPath: keyPath) }
        #expect(error?.reason == .rotationRunning && error?.exitStatus == .busy)
        KeyRotationLock.release(fd)
        try KeyRotationLock.KeyUse(state: state, keyPath: keyPath).release()
    }

    @Test func theUnfinishedMessageTellsWhatToRun() {
        let error = KeyRotationError(path: "/etc/rekey/master.key", reason: .unfinished(nextKeyPath: "/etc/rekey/master.key.next"))
        #expect(error.description == "a master key rotation is unfinished; run rekey key rotate to complete it (the new key waits in /etc/rekey/master.key.next)")
        #expect(error.exitStatus == .busy)
    }

    @Test func aTornJournalTailIsDroppedAndTheWholeRecordsKept() throws {
        let old = try seed()
        // A crash mid-append: a length prefix and half a blob.
        let fd = open(journalPath, O_WRONLY | O_APPEND)
        let torn: [UInt8] = [0, 0, 0, 200] + Array(repeating: 0x52, count: 37)
        #expect(torn.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == torn.count)
        close(fd)
        #expect(try Journal.read(path: journalPath, run: run.value, sealer: Sealer(key: old)).tornTail)

        _ = try KeyRotation(state: state, keyPath: keyPath).run()
        try openEverything(with: try MasterKey.load(from: keyPath))
    }

    @Test func aCorruptBlobStopsTheRotationWithItsOwnError() throws {
        let old = try seed()
        var blob = try AtomicFile.readBytes(backupPath)
        blob[blob.count - 1] ^= 0x01
        try AtomicFile.replace(backupPath, with: blob)

        let error = #expect(throws: SealError.self) { try KeyRotation(state: state, keyPath: keyPath).run() }
        #expect(error?.reason == .authenticationFailed && error?.source == backupPath && error?.exitStatus == .config)
        #expect(try keyID(at: keyPath) == old.keyIDHex)
        #expect(try AtomicFile.readBytes(backupPath) == blob)
    }

    @Test func tempFilesOfInterruptedWritesAreRemoved() throws {
        try seed()
        let leftover = state.vaultDirectory + "/.ops.sealed.rekey-tmp.0123456789ab"
        try AtomicFile.createExclusive(leftover, bytes: [1, 2, 3])
        let report = try KeyRotation(state: state, keyPath: keyPath).run()
        #expect(report.removedTempFiles == 1)
        #expect(!Disk.exists(leftover))
        #expect(AtomicFile.isTempName(".all-credentials.env.rekey-tmp.00aa11bb22cc"))
        #expect(AtomicFile.isTempName(".all-credentials.env.rekey-tmp.00aa11bb22cc", for: "/etc/org/all-credentials.env"))
        #expect(!AtomicFile.isTempName(".all-credentials.env.rekey-tmp.00aa11bb22cc", for: "/etc/org/other.env"))
        #expect(!AtomicFile.isTempName("ops.sealed"))
        #expect(!AtomicFile.isTempName(".ops.sealed.rekey-tmp.xyz"))
    }

    @Test func anUninitialisedHostGetsAnErrorThatSaysToRunInit() throws {
        let missingKey = #expect(throws: MasterKeyError.self) { try KeyRotation(state: state, keyPath: keyPath).run() }
        #expect(missingKey?.description == "no master key at \(keyPath); run rekey init")
        #expect(missingKey?.exitStatus == .noPermission)

        _ = try MasterKey.create(at: keyPath)
        let missingState = #expect(throws: KeyRotationError.self) { try KeyRotation(state: state, keyPath: keyPath).run() }
        #expect(missingState?.reason == .noStateDirectory && missingState?.exitStatus == .cantCreate)
        #expect(!Disk.exists(state.root) && !Disk.exists(nextPath))
    }

    @Test func aNextKeyWhoseWriteNeverCompletedIsNamed() throws {
        try seed()
        try AtomicFile.createExclusive(nextPath, bytes: [UInt8](), mode: 0o600)
        let error = #expect(throws: KeyRotationError.self) { try KeyRotation(state: state, keyPath: keyPath).run() }
        #expect(error?.reason == .nextKeyIncomplete(nextKeyPath: nextPath, size: 0) && error?.exitStatus == .config)
    }

    @Test func twoRotationsInARowEachInstallAFreshKey() throws {
        let first = try seed()
        let one = try KeyRotation(state: state, keyPath: keyPath).run()
        let two = try KeyRotation(state: state, keyPath: keyPath).run()
        #expect(one.oldKeyID == first.keyIDHex && two.oldKeyID == one.newKeyID && two.newKeyID != one.newKeyID)
        #expect(two.rewrittenFiles == 5)
        try openEverything(with: try MasterKey.load(from: keyPath))
    }
}
