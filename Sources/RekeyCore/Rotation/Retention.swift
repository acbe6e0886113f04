import Foundation
import Logging

/// Backup retention (playbook keys `keep_backups` and `max_backup_age`), applied at the end of a
/// successful run while the consumer's lock is still held:
///
/// - keep at most the newest `keep_backups` backups of the playbook's target file (by the epoch in
///   their names, newest first), and
/// - delete those older than `max_backup_age`,
/// - but never the newest backup, nor a *protected* one: the backup that a rollback of the newest
///   successful run would restore (the one that run took). A protected backup is kept in addition
///   to the `keep_backups` newest, so the count can exceed `keep_backups` by one.
///
/// An escrow copy (`.escrow`, see `Escrow`) beside a pruned backup is removed with it.
/// Only backups of the target file's base name are considered: backups of a file the consumer no
/// longer targets are left alone (remove them by hand once they are no longer needed). Deletion is
/// `StateFiles.remove` (unlinkat, then fsync the directory). A deletion that fails is a warning, never
/// a failed run: the rotation already succeeded.
public enum Retention {
    /// What to keep and what to delete, newest first.
    public struct Decision: Sendable, Equatable {
        public var keep: [BackupFile]
        public var prune: [BackupFile]
    }

    /// Decides, without touching the disk. `now` and the epochs are seconds since 1970; a backup is
    /// too old when `now - epoch > maxAgeSeconds`. `protected` holds paths never pruned.
    public static func plan(_ backups: [BackupFile], keep: Int, maxAgeSeconds: Int, now: Int, protected: Set<String>) -> Decision {
        let ordered = backups.sorted { ($0.epoch, $0.path) > ($1.epoch, $1.path) }
        var decision = Decision(keep: [], prune: [])
        for (index, backup) in ordered.enumerated() {
            let isNewest = index == 0
            let withinCount = index < max(keep, 1)
            let tooOld = now - backup.epoch > maxAgeSeconds
            if isNewest || protected.contains(backup.path) || (withinCount && !tooOld) {
                decision.keep.append(backup)
            } else {
                decision.prune.append(backup)
            }
        }
        return decision
    }

    /// What pruning did.
    public struct Outcome: Sendable {
        public var kept: [BackupFile]
        public var removed: [BackupFile]
        /// Backups that should have been removed but could not be, with the reason.
        public var failures: [(path: String, reason: String)]

        /// What the run's `prune` line shows, under the playbook's policy.
        public func pruned(keep: Int, maxAgeSeconds: Int) -> Pruned {
            Pruned(kept: kept.count, removed: removed.map { ($0.path as NSString).lastPathComponent },
                   failures: failures.map { .init(path: $0.path, reason: $0.reason) },
                   keepBackups: keep, maxBackupAgeSeconds: maxAgeSeconds)
        }
    }

    /// What retention did after a successful run, as data (the executable renders the `prune` line).
    public struct Pruned: Sendable, Equatable {
        public struct Failure: Sendable, Equatable {
            public var path: String
            public var reason: String
        }

        public var kept: Int
        /// The removed backups' file names.
        public var removed: [String]
        /// Backups that should have been removed but could not be.
        public var failures: [Failure]
        public var keepBackups: Int
        public var maxBackupAgeSeconds: Int
        /// Old run journals folded into the history summary, under `keep_runs`.
        public var foldedJournals = 0
        public var keepRuns = 0
        /// Why old run journals could not be folded.
        public var foldProblem: String?
    }

    /// Lists the consumer's backups of `basename`, plans and deletes. Never throws: a listing or
    /// deletion that fails is reported in `failures`.
    public static func prune(state: StateDirectory, consumer: String, basename: String, keep: Int, maxAgeSeconds: Int,
                             now: Int, protected: Set<String>) -> Outcome {
        let backups: [BackupFile]
        do {
            backups = try state.listBackups(consumer: consumer, basename: basename)
        } catch {
            return Outcome(kept: [], removed: [], failures: [(state.backupDirectory(consumer: consumer), error.description)])
        }
        let decision = plan(backups, keep: keep, maxAgeSeconds: maxAgeSeconds, now: now, protected: protected)
        var outcome = Outcome(kept: decision.keep, removed: [], failures: [])
        for backup in decision.prune {
            do {
                // The escrow copy first: a crash in between leaves a backup that the next run prunes,
                // never an escrow copy that nothing lists.
                let escrow = Escrow.path(forBackup: backup.path)
                let files = try state.files()
                if FileManager.default.fileExists(atPath: escrow) { try files.remove(escrow) }
                try files.remove(backup.path)
                outcome.removed.append(backup)
            } catch {
                outcome.failures.append((backup.path, String(describing: error)))
                outcome.kept.append(backup)
            }
        }
        return outcome
    }

    /// Prunes after a successful rotation and returns the `prune` line for the run's report.
    /// Protected: the backup this run took when it minted a token, else the backup of the newest
    /// successful rotation of this consumer found in the journals (the newest backup is always kept).
    static func afterSuccessfulRun(_ report: RunReport, playbook: Playbook, state: StateDirectory, sealer: Sealer,
                                   now: Date, logger: Logger) -> StepReport {
        let started = ContinuousClock.now
        var protected: Set<String> = []
        if let backup = report.backup { protected.insert(backup) }
        if report.token == nil, let backup = newestSuccessfulRotationBackup(state: state, sealer: sealer, consumer: playbook.consumer) {
            protected.insert(backup)
        }
        let outcome = prune(
            state: state, consumer: playbook.consumer, basename: (playbook.target.file as NSString).lastPathComponent,
            keep: playbook.keepBackups, maxAgeSeconds: playbook.maxBackupAgeSeconds,
            now: Int(now.timeIntervalSince1970), protected: protected)
        for failure in outcome.failures {
            logger.warning("could not prune a backup", metadata: ["consumer": "\(playbook.consumer)", "path": "\(failure.path)"])
        }
        for removed in outcome.removed {
            logger.info("pruned a backup", metadata: ["consumer": "\(playbook.consumer)", "path": "\(removed.path)"])
        }
        var pruned = outcome.pruned(keep: playbook.keepBackups, maxAgeSeconds: playbook.maxBackupAgeSeconds)
        let folding = RunFolding.fold(state: state, sealer: sealer, consumer: playbook.consumer, keep: playbook.keepRuns)
        pruned.foldedJournals = folding.folded.count
        pruned.keepRuns = playbook.keepRuns
        if let problem = folding.problem {
            pruned.foldProblem = "\(problem)"
            logger.warning("could not fold old run journals", metadata: ["consumer": "\(playbook.consumer)"])
        }
        let elapsed = ContinuousClock.now - started
        return StepReport(step: stepName, outcome: .ok,
                          detail: .pruned(pruned),
                          milliseconds: Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000))
    }

    /// The name of the report line pruning adds to a successful run.
    public static let stepName = "prune"

    /// The backup taken by the newest `done` rotation of `consumer` that minted a token, read from
    /// the journals (newest first, stopping at the first match). Unreadable journals are skipped.
    static func newestSuccessfulRotationBackup(state: StateDirectory, sealer: Sealer, consumer: String) -> String? {
        for run in RunJournal.runIDs(state: state) {
            guard let journal = try? RunJournal.load(state: state, run: run, sealer: sealer),
                  journal.consumer == consumer, journal.isSuccessfulRotation,
                  let backup = journal.first(.backedUp)?.backup else { continue }
            return backup
        }
        return nil
    }

    /// `90d` when the age is whole days, else `36h`.
    public static func ageText(_ seconds: Int) -> String {
        seconds % 86_400 == 0 ? "\(seconds / 86_400)d" : "\(seconds / 3_600)h"
    }
}

/// `rekey backup list`: the sealed backups in the state directory, described from their file names,
/// sizes and public headers. Nothing is decrypted and no master key is needed.
public struct BackupListing: Sendable, Codable, Equatable {
    public var consumer: String
    public var path: String
    /// The backup's file name, `<basename>.bak.<epoch>.sealed`.
    public var name: String
    /// The env file's base name.
    public var basename: String
    public var epoch: Int
    /// The epoch as `yyyy-MM-ddTHH:mm:ssZ`.
    public var time: String
    /// Size of the sealed file in bytes.
    public var size: Int
    /// The run that took the backup, from the header's context (nil for backups sealed before the
    /// context carried it, or when the header cannot be read).
    public var run: String?
    /// The env file's absolute path, from the header's context.
    public var file: String?
    /// An escrow copy (`.escrow`, sealed to the recovery key) sits beside it.
    public var escrowed: Bool
    /// Why the header could not be read or does not match the file's name.
    public var problem: String?

    /// Every consumer's backups (or only `consumer`'s), consumers in name order, newest first within
    /// each. A missing backups directory means no backups.
    public static func list(state: StateDirectory, consumer only: String? = nil) throws -> [BackupListing] {
        let consumers = try only.map { [$0] } ?? Directories.entries(state.backupsDirectory).filter(SafeName.isValid).sorted()
        var listing: [BackupListing] = []
        for consumer in consumers {
            for backup in try state.listBackups(consumer: consumer) {
                listing.append(describe(backup, consumer: consumer))
            }
        }
        return listing
    }

    static func describe(_ backup: BackupFile, consumer: String) -> BackupListing {
        let name = (backup.path as NSString).lastPathComponent
        var entry = BackupListing(
            consumer: consumer, path: backup.path, name: name, basename: backup.basename, epoch: backup.epoch,
            time: UTCFormat.iso(Date(timeIntervalSince1970: TimeInterval(backup.epoch))), size: backup.size,
            escrowed: FileManager.default.fileExists(atPath: Escrow.path(forBackup: backup.path)))
        do {
            let header = try BlobHeader.read(path: backup.path)
            guard let parts = header.backup else {
                entry.problem = header.kind == .backup
                    ? "its header's context '\(header.context)' is not a backup context; the file may be damaged"
                    : "it holds \(header.kind?.noun ?? "an unknown kind (\(header.kindByte))"), not a backup; check where it came from"
                return entry
            }
            entry.run = parts.run
            entry.file = parts.file
            if parts.consumer != consumer || parts.epoch != backup.epoch || (parts.file as NSString).lastPathComponent != backup.basename {
                entry.problem = "its header says it is \(parts.file) of consumer \(parts.consumer) at \(parts.epoch); it was moved or renamed"
            }
        } catch let error as any RekeyError {
            entry.problem = error.description
        } catch {
            entry.problem = Engine.describe(error)
        }
        return entry
    }
}
