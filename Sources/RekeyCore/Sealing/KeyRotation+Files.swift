#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One file of sealed blobs under the state directory: a single blob, or a journal of frames.
struct SealedFile: Sendable, Equatable {
    let path: String
    let kind: BlobKind
}

extension KeyRotation {
    /// Every sealed file, in the order a rotation re-seals them: vault entries, backups (by consumer,
    /// then name), journals, the inventory; names sorted, so crash point numbers are stable.
    /// Dot files (temp files of interrupted writes) are not sealed files; anything that is not a
    /// regular file where a sealed file belongs is refused rather than skipped.
    func sealedFiles() throws -> [SealedFile] {
        var files: [SealedFile] = []
        for name in try Directories.entries(state.vaultDirectory).sorted() where name.hasSuffix(".sealed") && !name.hasPrefix(".") {
            files.append(try regular(PathName.join(state.vaultDirectory, name), kind: .vaultEntry))
        }
        for consumer in try Directories.entries(state.backupsDirectory).sorted() where !consumer.hasPrefix(".") {
            let directory = state.backupDirectory(consumer: consumer)
            var info = stat()
            guard lstat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { continue }
            for name in try Directories.entries(directory).sorted() where BackupFile.parse(name: name) != nil && !name.hasPrefix(".") {
                files.append(try regular(PathName.join(directory, name), kind: .backup))
            }
        }
        for name in try Directories.entries(state.runsDirectory).sorted() where name.hasSuffix(".journal") && !name.hasPrefix(".") {
            files.append(try regular(PathName.join(state.runsDirectory, name), kind: .journalRecord))
        }
        for consumer in RunSummary.consumers(state: state, only: nil).sorted() {
            files.append(try regular(RunSummary.path(state, consumer: consumer), kind: .journalRecord))
        }
        var info = stat()
        if lstat(state.inventoryPath, &info) == 0 {
            files.append(try regular(state.inventoryPath, kind: .inventory))
        }
        // The inventory's fingerprint key (re-sealed unchanged: fingerprints keep matching),
        // holdings and revocation records: all kind 4.
        if lstat(FingerprintKey.path(state), &info) == 0 {
            files.append(try regular(FingerprintKey.path(state), kind: .inventory))
        }
        for directory in [InventoryStore.directory(state), RevocationStore.directory(state)] {
            for name in try Directories.entries(directory).sorted() where name.hasSuffix(".sealed") && !name.hasPrefix(".") {
                files.append(try regular(PathName.join(directory, name), kind: .inventory))
            }
        }
        return files
    }

    private func regular(_ path: String, kind: BlobKind) throws -> SealedFile {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw FileError(path: path, operation: .stat, errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw KeyRotationError(path: state.root, reason: .notRegularFile(path)) }
        return SealedFile(path: path, kind: kind)
    }

    /// Removes `.<name>.rekey-tmp.<12 hex>` files that interrupted atomic writes left in the folders
    /// holding sealed files. Called under the exclusive lock, when no write can be in flight; such a
    /// file may hold an old-key blob. Returns how many were removed.
    func removeTempLeftovers() throws -> Int {
        var directories = [state.root, state.vaultDirectory, state.runsDirectory, InventoryStore.directory(state), RevocationStore.directory(state), RunSummary.directory(state)]
        for consumer in try Directories.entries(state.backupsDirectory).sorted() where !consumer.hasPrefix(".") {
            directories.append(state.backupDirectory(consumer: consumer))
        }
        var removed = 0
        for directory in directories {
            for name in try Directories.entries(directory) where AtomicFile.isTempName(name) {
                let path = PathName.join(directory, name)
                var info = stat()
                guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
                try state.files().remove(path)
                removed += 1
            }
        }
        return removed
    }
}

/// Re-seals blobs from the old key to the new one, keeping each blob's kind and context (read from
/// its authenticated header) exactly.
struct BlobResealer {
    let old: Sealer
    let new: Sealer
    /// The state directory's descriptor, through which re-sealed files are written.
    let files: StateFiles

    /// Re-seals one file; `rewritten` is false when it was already under the new key.
    func reseal(_ file: SealedFile) throws -> (records: Int, rewritten: Bool) {
        let bytes = try AtomicFile.readBytes(file.path)
        guard file.kind == .journalRecord else {
            guard let blob = try reseal(bytes, kind: file.kind, source: file.path) else { return (1, false) }
            try files.replace(file.path, with: blob)
            return (1, true)
        }
        var output: [UInt8] = []
        var changed = false
        let frames = JournalFrames(bytes)
        for (index, frame) in frames.blobs.enumerated() {
            let resealed = try reseal(frame, kind: .journalRecord, source: "\(file.path) (record \(index + 1))")
            output += JournalFrames.frame(resealed ?? frame)
            changed = changed || resealed != nil
        }
        guard changed || frames.tornTail else { return (frames.blobs.count, false) }
        try files.replace(file.path, with: output)
        return (frames.blobs.count, true)
    }

    /// Whether every blob of `file` names the new key (header only: `reseal` already opened them).
    func isUnderNewKey(_ file: SealedFile) throws -> Bool {
        let bytes = try AtomicFile.readBytes(file.path)
        let blobs = file.kind == .journalRecord ? JournalFrames(bytes).blobs : [bytes]
        return blobs.allSatisfy { Self.keyID(of: $0) == new.keyID }
    }

    /// The blob sealed again under the new key, or nil when it already is (after checking that it
    /// opens). A blob under a third key, or a damaged one, throws and changes nothing.
    private func reseal(_ blob: [UInt8], kind: BlobKind, source: String) throws -> [UInt8]? {
        let context = (try? BlobHeader.parse(blob, source: source))?.context ?? ""
        if Self.keyID(of: blob) == new.keyID {
            _ = try new.open(blob, kind: kind, context: context, source: source)
            return nil
        }
        let opened = Result { () throws(SealError) in try old.open(blob, kind: kind, context: context, source: source) }
        switch opened {
        case .success(let plaintext):
            return new.seal(plaintext, kind: kind, context: context)
        case .failure(let error):
            if case .wrongKey(_, let found) = error.reason {
                throw KeyRotationError(path: source, reason: .foreignKey(
                    file: source, found: Digest.hex(found), current: Digest.hex(old.keyID), new: Digest.hex(new.keyID)))
            }
            throw error
        }
    }

    static func keyID(of blob: [UInt8]) -> [UInt8]? {
        blob.count >= BlobFormat.fixedHeaderCount ? Array(blob[5..<(5 + BlobFormat.keyIDCount)]) : nil
    }
}
