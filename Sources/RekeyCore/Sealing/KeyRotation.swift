#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `rekey key rotate`: makes a new master key and re-seals every blob in the state directory under
/// it, so that a run killed at any instant leaves every blob openable by the old or the new key and
/// a rerun completes the job.
///
/// 1. Take `locks/.key-rotate.lock` exclusively (every other command holds it shared while it uses
///    the key, see `KeyRotationLock`) and every consumer's lock; refuse (exit 75) if any is held.
/// 2. Write the new key to `<key>.next` (`O_EXCL`, 0600, fsync, fsync the directory). Its presence
///    means "a rotation is in progress": other commands refuse to load the key until it is gone,
///    and a rerun continues with the key it holds instead of making another.
/// 3. Re-seal, in a fixed order, every vault entry (`vault/*.sealed`), backup
///    (`backups/<consumer>/<basename>.bak.<epoch>.sealed`), journal (`runs/*.journal`, every frame)
///    and the inventory (`inventory.sealed`, `fingerprint.key.sealed`, `inventory/*.sealed`,
///    `revocations/*.sealed`). Each blob is opened with the key its key id names and sealed again
///    under the new key with the same kind and context, and each file is replaced with
///    `AtomicFile.replace`, so it holds either all-old or all-new blobs. Files already under the new
///    key (a rerun) are only checked. A journal's torn last frame (a crash mid-append) is dropped:
///    it can never be opened, `rekey recover` would cut it off anyway, and it is old-key ciphertext.
/// 4. Remove temp files left beside those files by interrupted atomic writes (no writer can be
///    active under the lock), then check that every blob names the new key.
/// 5. Install the new key: `rename(<key>.next, <key>)`, fsync the directory. The old key is gone
///    from the file system (rename does not shred its blocks; copies kept elsewhere are the
///    operator's to destroy).
///
/// A key from `$CREDENTIALS_DIRECTORY` is never rotated here (systemd owns it); the command says
/// how to rotate it instead. The key path is resolved through symlinks, and `<key>.next` sits
/// beside the file the link points to.
///
/// Crash points (see `CrashPoint`): `key-rotate-after-blob-<n>` after the n-th file of step 3 (from
/// 1, in the order above) holds only new-key blobs, `key-rotate-before-install`,
/// `key-rotate-after-install`. A journal counts as one file: all its frames are replaced at once.
public struct KeyRotation {
    public let state: StateDirectory
    public let keyPath: String

    public init(state: StateDirectory, keyPath: String) {
        self.state = state
        self.keyPath = keyPath
    }

    /// `<key>.next` beside the file `keyPath` resolves to.
    public static func nextKeyPath(for keyPath: String) -> String {
        ((try? AtomicFile.resolveFinalTarget(keyPath)) ?? keyPath) + ".next"
    }

    /// Runs (or completes) a rotation. `progress` gets one line per phase, never a secret.
    public func run(progress: (String) -> Void = { _ in }) throws -> KeyRotationReport {
        var info = stat()
        if lstat(state.root, &info) != 0 {
            _ = try MasterKey.load(from: keyPath)  // no key either: its error says to run rekey init
            throw KeyRotationError(path: state.root, reason: .noStateDirectory)
        }
        try state.prepare()
        let stateLock = try KeyRotationLock.acquireExclusive(state: state)
        defer { KeyRotationLock.release(stateLock) }
        let consumerLocks = try lockConsumers()
        defer { consumerLocks.forEach { $0.release() } }

        let current = try MasterKey.load(from: keyPath)
        let keyFile = try AtomicFile.resolveFinalTarget(keyPath)
        let nextPath = keyFile + ".next"
        let (next, resumed) = try nextKey(at: nextPath)
        progress(resumed
            ? "continuing the unfinished rotation to key id \(next.keyIDHex) (\(nextPath))"
            : "wrote the new key to \(nextPath) (key id \(next.keyIDHex)); re-sealing under it")

        let resealer = BlobResealer(old: Sealer(key: current), new: Sealer(key: next), files: try state.files())
        var report = KeyRotationReport(keyPath: keyFile, oldKeyID: current.keyIDHex, newKeyID: next.keyIDHex, resumed: resumed)
        for (index, file) in try sealedFiles().enumerated() {
            let result = try resealer.reseal(file)
            report.count(file.kind, records: result.records, rewritten: result.rewritten)
            CrashPoint.reach("key-rotate-after-blob-\(index + 1)")
        }
        report.removedTempFiles = try removeTempLeftovers()
        for file in try sealedFiles() where !(try resealer.isUnderNewKey(file)) {
            throw KeyRotationError(path: state.root, reason: .changedDuringRotation(file.path))
        }
        progress("re-sealed \(report.rewrittenFiles) of \(report.totalFiles) files; every blob now opens with key id \(next.keyIDHex)")

        CrashPoint.reach("key-rotate-before-install")
        guard rename(nextPath, keyFile) == 0 else {
            throw FileError(path: keyFile, operation: .rename, errno: errno, hint: "the rotation stays unfinished; fix that and run rekey key rotate again")
        }
        try AtomicFile.syncDirectory(of: keyFile)
        CrashPoint.reach("key-rotate-after-install")
        return report
    }

    /// The key a previous, interrupted run left in `<key>.next`, or a new one written there.
    private func nextKey(at path: String) throws -> (MasterKey, resumed: Bool) {
        var info = stat()
        if lstat(path, &info) == 0 {
            let loaded = Result { () throws(MasterKeyError) in try MasterKey.load(from: path) }
            switch loaded {
            case .success(let key):
                return (key, true)
            case .failure(let error):
                if case .wrongLength(let size) = error.reason, size < MasterKey.byteCount {
                    throw KeyRotationError(path: path, reason: .nextKeyIncomplete(nextKeyPath: path, size: size))
                }
                throw error
            }
        }
        let key = MasterKey.generate()
        try AtomicFile.createExclusive(path, bytes: key.bytes, mode: 0o600)
        return (key, false)
    }

    /// Takes every consumer's lock (`locks/<consumer>.lock`), so that no run appends to a journal
    /// while it is re-sealed. A consumer busy elsewhere stops the rotation before anything changed.
    private func lockConsumers() throws -> [ConsumerLock] {
        var locks: [ConsumerLock] = []
        do {
            for name in try Directories.entries(state.locksDirectory).sorted() where name.hasSuffix(".lock") && !name.hasPrefix(".") {
                let consumer = String(name.dropLast(".lock".count))
                guard SafeName.isValid(consumer) else { continue }
                locks.append(try ConsumerLock.acquire(state, consumer: consumer, wait: false))
            }
        } catch let busy as ConsumerBusyError {
            locks.forEach { $0.release() }
            throw KeyRotationError(path: state.root, reason: .consumerBusy(busy.consumer))
        } catch {
            locks.forEach { $0.release() }
            throw error
        }
        return locks
    }
}

/// What a rotation did, for the command to print. Key ids are not secret.
public struct KeyRotationReport: Sendable, Equatable {
    public var keyPath: String
    public var oldKeyID: String
    public var newKeyID: String
    /// Whether this run completed a rotation an earlier run began.
    public var resumed: Bool
    public var vaultEntries = 0
    public var backups = 0
    public var journals = 0
    public var journalRecords = 0
    public var inventories = 0
    /// Files rewritten by this run (the others were already under the new key).
    public var rewrittenFiles = 0
    public var removedTempFiles = 0

    public var totalFiles: Int { vaultEntries + backups + journals + inventories }

    mutating func count(_ kind: BlobKind, records: Int, rewritten: Bool) {
        switch kind {
        case .vaultEntry: vaultEntries += 1
        case .backup: backups += 1
        case .journalRecord: journals += 1; journalRecords += records
        case .inventory: inventories += 1
        }
        if rewritten { rewrittenFiles += 1 }
    }
}
