import Foundation

/// Seals the env file's exact bytes into `backups/<consumer>/<basename>.bak.<epoch>.sealed`.
/// Backups are never compensated: they are kept, and retention prunes them later.
public struct BackupStep: Step {
    public static let stepName = "backup"
    public var name: String { Self.stepName }

    public init() {}

    public func perform(_ run: RunContext) async throws -> String {
        let (bytes, sha256, _) = try run.requireOriginal()
        let consumer = run.playbook.consumer
        let file = run.playbook.target.file
        let basename = (file as NSString).lastPathComponent
        var epoch = Int(run.now().timeIntervalSince1970)
        // Two runs within one second: take the next free second rather than overwrite a backup.
        while FileManager.default.fileExists(atPath: run.state.backupPath(consumer: consumer, basename: basename, epoch: epoch)) {
            epoch += 1
        }
        let path = run.state.backupPath(consumer: consumer, basename: basename, epoch: epoch)
        let blob = run.sealer.seal(bytes, kind: .backup, context: BackupContext.make(consumer: consumer, file: file, epoch: epoch))
        try Directories.make(run.state.backupDirectory(consumer: consumer), mode: 0o700)
        try AtomicFile.createExclusive(path, bytes: blob, mode: 0o600)
        run.backupPath = path

        var record = run.newRecord(.backedUp)
        record.backup = path
        record.sha256 = sha256
        try run.journal.append(record)
        return "sealed \(bytes.count) bytes (sha256 \(sha256.prefix(12))…) → \(path)"
    }
}

/// The sealing context of a backup: it binds the blob to one consumer, one file and one moment, so
/// a backup moved to another consumer or path does not open.
public enum BackupContext {
    public static func make(consumer: String, file: String, epoch: Int) -> String {
        "backup|\(consumer)|\(file)|\(epoch)"
    }
}
