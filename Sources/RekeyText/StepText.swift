import Foundation
import RekeyCore

/// The words people read for what a step did (`StepDetail`): one line per step in `rekey run`'s
/// output and `--json`'s `detail`. Identifiers, hashes and last-eight tails only.
public enum StepText {
    /// A step's line: its mark (✓ done, ✗ failed, ↩ undone, ✗↩ not undone), its name, what it did.
    public static func line(_ report: StepReport) -> String {
        let mark = switch report.outcome {
        case .ok: "✓"
        case .failed: "✗"
        case .compensated: "↩"
        case .compensationFailed: "✗↩"
        }
        return "\(mark) \(report.step.padding(toLength: 9, withPad: " ", startingAt: 0)) \(detail(report.detail))"
    }

    public static func detail(_ detail: StepDetail) -> String {
        switch detail {
        case .validated(let file, let key, let line, let value, let entry, let user, let warning):
            "\(file): \(key) on line \(line) holds \(value); vault entry \(entry) (user \(user))" + (warning.map { "; warning: \($0)" } ?? "")
        case .backedUp(let bytes, let sha256, let backup, let escrowKeyID):
            "sealed \(bytes) bytes (sha256 \(sha256.prefix(12))…) → \(backup)" + (escrowKeyID.map { "; escrowed to recovery key \($0)" } ?? "")
        case .minted(let token, let persona):
            "token \(token.id) \(token.name) (…\(token.lastEight)) for \(persona), scopes \(token.scopes.joined(separator: ","))"
        case .rewritten(let key, let previous, let new, let file, let sha256):
            "\(key)=\(previous.map { "…" + $0 } ?? "(previous value)") → …\(new) in \(file) (sha256 \(sha256.prefix(12))…)"
        case .probed(let lastEight, let login):
            "GET /api/v1/user with …\(lastEight) → 200 login \(login)"
        case .reloaded(let commands):
            commands.map { "\($0.role) \($0.argv) → exit 0" }.joined(separator: "; ")
        case .noReload:
            "no reload: in the playbook; nothing to tell"
        case .reloadNotNeeded(let file):
            "\(file) kept its bytes; no reload needed"
        case .fileAlreadyOriginal(let file):
            "\(file) already holds its original bytes"
        case .fileRestored(let file, let sha256):
            "restored the original bytes of \(file) (sha256 \(sha256.prefix(12))… checked)"
        case .restoredAndReloaded(let restore, let file, let command):
            (restore.map(Self.detail) ?? "\(file) was not rewritten")
                + (command.map { "; reloaded with them: \($0) → exit 0" } ?? "; the reload never started, so the consumer still runs with them")
        case .tokenDeletion(let deletion):
            Self.deletion(deletion)
        case .rollback(let action):
            RollbackText.line(action)
        case .pruned(let pruned):
            Self.pruned(pruned)
        case .said(let words), .failure(let words):
            words
        }
    }

    /// What deleting a run's token did.
    public static func deletion(_ deletion: TokenDeletion) -> String {
        guard let token = deletion.token else {
            return "no token named \(deletion.name ?? "?") exists on the server; nothing to delete"
        }
        let label = "token \(token.id) \(token.name) (…\(token.lastEight))" + (deletion.foundByName ? ", found by name after a lost answer" : "")
        return switch deletion.how {
        case .deletedItself: "deleted token \(token.id) \(token.name) (…\(token.lastEight)) with its own credential"
        case .deleted: "deleted \(label)"
        case .alreadyGone: "\(label) was already gone"
        case .noneByName: "no token named \(deletion.name ?? token.name) exists on the server; nothing to delete"
        }
    }

    /// The `prune` line after a successful run.
    public static func pruned(_ pruned: Retention.Pruned) -> String {
        let policy = "keep_backups \(pruned.keepBackups), max_backup_age \(Retention.ageText(pruned.maxBackupAgeSeconds))"
        var text = "kept \(count(pruned.kept)) (\(policy))"
        if !pruned.removed.isEmpty {
            text = "removed \(count(pruned.removed.count, "old backup")): " + pruned.removed.joined(separator: ", ") + "; " + text
        } else if pruned.failures.isEmpty {
            text += "; nothing to prune"
        }
        for failure in pruned.failures {
            text += "; warning: could not remove \(failure.path): \(failure.reason)"
        }
        if pruned.foldedJournals > 0 {
            let n = pruned.foldedJournals
            text += "; folded \(n) old run journal\(n == 1 ? "" : "s") into the history summary (keep_runs \(pruned.keepRuns))"
        }
        if let problem = pruned.foldProblem {
            text += "; warning: could not fold old run journals: \(problem)"
        }
        return text
    }

    private static func count(_ n: Int, _ noun: String = "backup") -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
