import Foundation

/// Replaces the key's value and the comment above it, atomically, leaving every other byte as it
/// was. Compensation restores the original bytes atomically and checks their hash.
public struct RewriteStep: Step {
    public static let stepName = "rewrite"
    public var name: String { Self.stepName }

    public init() {}

    public func perform(_ run: RunContext) async throws -> StepResult {
        let (_, originalSHA, document) = try run.requireOriginal()
        guard let minted = run.minted else { throw EngineError.missingPrerequisite("minted token", step: "mint") }
        let playbook = run.playbook
        let comment = playbook.comment(tokenName: minted.info.name, lastEight: minted.info.lastEight, utc: run.now(), run: run.run.value)
        let updated = try document.replacing(key: playbook.target.key, value: minted.value, comment: comment)
        let updatedSHA = Digest.sha256Hex(updated)

        // Someone may have edited the file since validate read it: never write over their change.
        let current = try run.target.read()
        guard Digest.sha256Hex(current) == originalSHA else {
            throw EnvFileChanged(path: playbook.target.file)
        }

        try run.record(.rewriting(before: originalSHA, after: updatedSHA))

        run.facts.rewriteAttempted = true
        run.facts.fileIntended = updatedSHA
        do {
            try run.target.replace(with: updated)
        } catch {
            // Refused before the rename (the file changed under rekey): nothing to restore.
            run.facts.rewriteAttempted = run.target.hasReplaced
            throw error
        }
        run.facts.fileWritten = updatedSHA

        try run.record(.rewritten(before: originalSHA, after: updatedSHA, detail: nil))
        return StepResult(.rewritten(key: playbook.target.key, previousLastEight: run.facts.previousLastEight,
                                     newLastEight: minted.info.lastEight, file: playbook.target.file, sha256: updatedSHA),
                          changedTheWorld: true)
    }

    public func plan(_ plan: PlanInput) -> [PlanItem] {
        [.rewrite(key: plan.playbook.target.key, value: plan.previousTail, line: plan.keyLine, comment: plan.comment)]
    }

    public func compensate(_ run: RunContext) async throws -> StepDetail? {
        guard run.facts.rewriteAttempted else { return nil }
        let (original, originalSHA, _) = try run.requireOriginal()
        let path = run.playbook.target.file
        let current = run.target.readIfPossible()
        if let current, Digest.sha256Hex(current) == originalSHA {
            return .fileAlreadyOriginal(file: path)
        }
        try run.target.restore(original, expectedSHA256: originalSHA, backup: run.facts.backup)
        return .fileRestored(file: path, sha256: originalSHA)
    }
}

extension RewriteStep {
    /// Undoing a dead run: a file that holds the run's token gets the backed-up bytes back (hash
    /// checked); a file that holds neither those nor the original bytes was edited by someone else
    /// and is left as it is.
    public func settle(from dead: DeadRun) async throws {
        guard dead.mustUndo, let target = dead.target else { return }
        if try dead.fileHoldsNewToken() {
            try restoreBackup(dead, target: target)
        } else if let current = target.readIfPossible(), let original = dead.begin.sha256, Digest.sha256Hex(current) != original {
            dead.note(.fileEditedDuringRotation(file: target.path))
        }
    }

    private func restoreBackup(_ dead: DeadRun, target: ConsumerFile) throws {
        let file = target.path
        let backup = dead.journal.first(.backedUp)?.backup
        let consumer = dead.journal.consumer
        let original = dead.begin.sha256
        guard let backup, let consumer, let original else {
            throw RecoveryServices.MissingRecord(run: dead.journal.run, what: "a backup record")
        }
        let bytes = try BackupArchive.open(backup, consumer: consumer, file: file, run: dead.journal.run, sealer: dead.services.sealer)
        try target.restore(bytes, expectedSHA256: original, backup: backup)
        try dead.record(.rewritten(before: nil, after: original, detail: "restored from \(backup)"))
        dead.note(.restored(file: file, backup: backup))
    }
}

public struct EnvFileChanged: RekeyError {
    public var path: String
    public var exitStatus: ExitStatus { .badEnvFile }
    public var description: String {
        "\(path) changed while rekey was running; nothing was written to it. run again once nobody else is editing it"
    }
}

public struct RestoreFailed: RekeyError {
    public var path: String
    public var backup: String?
    public var reason: String
    public var exitStatus: ExitStatus { .rollbackFailed }
    public var description: String {
        "could not restore \(path): \(reason); its original bytes are sealed in \(backup ?? "no backup")"
    }
}
