import Foundation

/// Seals the env file's exact bytes into `backups/<consumer>/<basename>.bak.<epoch>.sealed`.
/// Backups are never compensated: they are kept, and retention prunes them later.
///
/// With a recovery key installed (`recovery.pub`, see `RecoveryPublicKey`), it also writes
/// `<basename>.bak.<epoch>.escrow` beside the sealed backup: the same bytes sealed to the recovery
/// key (`Escrow`), openable off the host without the master key. A broken `recovery.pub` fails the
/// step before anything is written (escrow was asked for; silently skipping it would break that promise).
public struct BackupStep: Step {
    public static let stepName = "backup"
    public var name: String { Self.stepName }

    public init() {}

    public func perform(_ run: RunContext) async throws -> StepResult {
        let (bytes, sha256, _) = try run.requireOriginal()
        let consumer = run.playbook.consumer
        let file = run.playbook.target.file
        let basename = (file as NSString).lastPathComponent
        // Epochs only grow: a run in the same second as an earlier backup takes the next second
        // after the newest one, so a name freed by retention is never reused for another run's
        // backup (journals and history point at backups by name).
        let newest = (try? run.state.listBackups(consumer: consumer, basename: basename).first?.epoch) ?? nil
        let epoch = max(Int(run.now().timeIntervalSince1970), (newest ?? Int.min) + 1)
        let path = run.state.backupPath(consumer: consumer, basename: basename, epoch: epoch)
        let recovery = try run.state.recoveryKey()
        let blob = run.sealer.seal(bytes, kind: .backup, context: BackupContext.make(consumer: consumer, file: file, epoch: epoch, run: run.run.value))
        let files = try run.state.files()
        try files.createExclusive(path, bytes: blob, mode: 0o600)
        var escrowKeyID: String?
        if let recovery {
            let escrowPath = Escrow.path(forBackup: path)
            let escrowed = try Escrow.seal(bytes, to: recovery, contextOf: blob, source: escrowPath)
            try files.createExclusive(escrowPath, bytes: escrowed, mode: 0o600)
            escrowKeyID = recovery.keyIDHex
        }
        run.facts.backup = path

        try run.record(.backedUp(backup: path, sha256: sha256))
        return StepResult(.backedUp(bytes: bytes.count, sha256: sha256, backup: path, escrowKeyID: escrowKeyID))
    }

    public func plan(_ plan: PlanInput) -> [PlanItem] {
        let basename = (plan.playbook.target.file as NSString).lastPathComponent
        return [.backup(path: "\(plan.stateRoot)/backups/\(plan.playbook.consumer)/\(basename).bak.<epoch>.sealed")]
    }
}

/// The sealing context of a backup: it binds the blob to one consumer, one file and one moment, so
/// a backup moved to another consumer or path does not open. It ends with the run that took the
/// backup, so that `rekey backup list` can name the run from the (public) header without the key.
public enum BackupContext {
    public static func make(consumer: String, file: String, epoch: Int, run: String) -> String {
        "backup|\(consumer)|\(file)|\(epoch)|\(run)"
    }
}
