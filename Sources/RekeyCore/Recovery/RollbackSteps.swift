import Foundation

/// The operation `rekey rollback` runs through `Engine`, with the same journal writer as a rotation:
///
/// ```
/// check ─ restore ─ probe ─┃ committed ┃─ delete
/// ```
///
/// - `check` journals `begin` (operation `rollback`), then asks whether the backed-up token still
///   authenticates (a refusal ends the rollback before anything changed, unless `--force`);
/// - `restore` puts the backup's bytes back, journaled ahead (`rewriting`) and after (`rewritten`);
/// - `probe` checks the restored token again (a failure is reported, not fatal: the file is restored);
/// - after the commit point, `delete` deletes the undone run's token (`--keep-token`: keeps it). When
///   that fails the rollback needs attention (exit 81): its marker stays and `rekey recover` retries.
///
/// What the steps found is collected in `RollbackLog` as typed `Rollback.Action`s.
struct RollbackInput {
    let request: Rollback.Request
    /// The run being undone, its `begin` record and the token it minted.
    let undone: RunJournal
    let undoneBegin: JournalRecord
    let minted: TokenInfo?
    let file: String
    let key: String
    let backup: String
    let restored: SecretBytes
    let restoredSHA: String
    let currentSHA: String
    let oldToken: SecretBytes
    let credential: BasicCredential
    let log: RollbackLog

    var tokenLabel: String? { minted.map { "token \($0.id) \($0.name) (…\($0.lastEight))" } }

    var steps: [any Step] {
        [RollbackCheckStep(input: self), RollbackRestoreStep(input: self), RollbackProbeStep(input: self), RollbackDeleteStep(input: self)]
    }

    /// The same steps, to settle a dead rollback (`rekey recover`): they act on its journal, the
    /// file and the server only (`assess`/`settle(from:)`), never `perform`.
    static var settling: [any Step] {
        [RollbackCheckStep(input: nil), RollbackRestoreStep(input: nil), RollbackProbeStep(input: nil), RollbackDeleteStep(input: nil)]
    }

    static func required(_ input: RollbackInput?, step: String) throws -> RollbackInput {
        guard let input else { throw EngineError.missingPrerequisite("the rollback's preflight", step: step) }
        return input
    }
}

/// What the rollback's steps did, in order, and the error that stopped them (rethrown as it was).
final class RollbackLog {
    var actions: [Rollback.Action] = []
    var failure: (any Error)?

    func failing<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch {
            failure = error
            throw error
        }
    }
}

struct RollbackCheckStep: Step {
    /// The live rollback's preflight; nil when the step only settles a dead rollback.
    let input: RollbackInput?
    var name: String { "check" }

    func perform(_ run: RunContext) async throws -> StepResult {
        let input = try RollbackInput.required(self.input, step: name)
        return try await input.log.failing {
            let begin = input.undoneBegin
            try run.record(.begin(.init(
                operation: .rollback, file: input.file, fileSHA256: input.currentSHA, key: input.key, server: begin.server,
                persona: begin.persona, vaultEntry: begin.vaultEntry, login: begin.login,
                rollback: .init(of: input.undone.run, restoresSHA256: input.restoredSHA, backup: input.backup,
                                keepToken: input.request.keepToken, token: input.minted))))
            CrashPoint.reach("rollback-after-intent")

            let token = input.oldToken
            let backup = input.backup
            let provider = run.provider
            let probe = await Result.capturing { () async throws(ProviderError) in try await provider.probe(token) }
            switch probe {
            case .success(let login) where TokenProbe.matches(login, expected: begin.login):
                input.log.actions.append(.checked(token: token.redactedTail, login: login))
            case .success(let login):
                guard input.request.force else {
                    throw Rollback.Refused(reason: "the token in \(backup) (\(token.redactedTail)) authenticates as '\(login)', not '\(begin.login ?? "?")'; restoring it would break the consumer (add --force to restore anyway)", status: .noPermission)
                }
                input.log.actions.append(.checkedOtherLogin(login: login))
            case .failure(let error) where error.kind == .unauthorized:
                guard input.request.force else {
                    throw Rollback.Refused(reason: "the token in \(backup) (\(token.redactedTail)) no longer authenticates: it was revoked, and restoring it would break the consumer. rotate instead (rekey run), or add --force to restore it anyway", status: .noPermission)
                }
                input.log.actions.append(.checkedRevoked(token: token.redactedTail))
            case .failure(let error):
                throw error
            }
            return StepResult(.rollback(input.log.actions.last ?? .checked(token: token.redactedTail, login: begin.login ?? "")))
        }
    }
}

struct RollbackRestoreStep: Step {
    /// The live rollback's preflight; nil when the step only settles a dead rollback.
    let input: RollbackInput?
    var name: String { "restore" }

    func perform(_ run: RunContext) async throws -> StepResult {
        let input = try RollbackInput.required(self.input, step: name)
        return try await input.log.failing {
            try run.record(.rewriting(before: input.currentSHA, after: input.restoredSHA))
            run.facts.rewriteAttempted = true
            try run.target.restore(input.restored, expectedSHA256: input.restoredSHA, backup: input.backup)
            run.facts.fileWritten = input.restoredSHA
            try run.record(.rewritten(before: nil, after: input.restoredSHA, detail: nil))
            let restored = Rollback.Action.restored(file: input.file, backup: input.backup, key: input.key, token: input.oldToken.redactedTail)
            input.log.actions.append(restored)
            CrashPoint.reach("rollback-after-restore")
            return StepResult(.rollback(restored), changedTheWorld: true)
        }
    }
}

/// A failed probe after the restore is reported, not fatal: the file already holds the backup.
struct RollbackProbeStep: Step {
    /// The live rollback's preflight; nil when the step only settles a dead rollback.
    let input: RollbackInput?
    var name: String { "probe" }

    func perform(_ run: RunContext) async throws -> StepResult {
        let input = try RollbackInput.required(self.input, step: name)
        return try await input.log.failing {
            let token = input.oldToken
            let provider = run.provider
            let after = await Result.capturing { () async throws(ProviderError) in try await provider.probe(token) }
            guard case .success(let login) = after else {
                input.log.actions.append(.probeFailed)
                return StepResult(.rollback(.probeFailed))
            }
            try run.record(.probed(login: login, tokenID: nil))
            input.log.actions.append(.probed(token: token.redactedTail, login: login))
            return StepResult(.rollback(.probed(token: token.redactedTail, login: login)))
        }
    }
}

struct RollbackDeleteStep: Step {
    /// The live rollback's preflight; nil when the step only settles a dead rollback.
    let input: RollbackInput?
    var name: String { "delete" }
    var placement: StepPlacement { .afterCommit }

    func perform(_ run: RunContext) async throws -> StepResult {
        let input = try RollbackInput.required(self.input, step: name)
        return try await input.log.failing {
            guard !input.request.keepToken, let minted = input.minted else {
                if let label = input.tokenLabel { input.log.actions.append(.kept(token: label)) }
                CrashPoint.reach("rollback-before-done")
                return StepResult(.rollback(.kept(token: input.tokenLabel ?? "")))
            }
            let provider = run.provider
            let credential = input.credential
            let result = await Result.capturing { () async throws(ProviderError) in
                try await provider.deleteRunToken(known: minted, name: nil, auth: credential)
            }
            if let reason = result.failureDescription {
                throw UndoneTokenLeft(file: input.file, token: input.tokenLabel ?? "the token", reason: reason, consumer: input.request.consumer)
            }
            try run.record(.deleted(minted))
            input.log.actions.append(.deleted(token: input.tokenLabel ?? "", run: input.undone.run))
            CrashPoint.reach("rollback-before-done")
            return StepResult(.rollback(.deleted(token: input.tokenLabel ?? "", run: input.undone.run)), changedTheWorld: true)
        }
    }
}

extension RollbackRestoreStep {
    /// A dead rollback can be finished only when the file holds the restored bytes. Holding what
    /// the undone run wrote, it died before the restore (nothing changed); holding anything else,
    /// someone edited it (left as it is). Either way the rollback did not happen.
    func assess(_ dead: DeadRun) async throws -> Assessment {
        guard let target = dead.target, let restored = dead.begin.sha256After, let rotated = dead.begin.sha256 else {
            throw dead.missing("the rollback's file and hashes")
        }
        let current = target.readIfPossible().map(Digest.sha256Hex)
        if current == restored { return .canFinish }
        dead.note(current == rotated ? .rollbackDiedBeforeRestore(file: target.path) : .fileEditedDuringRollback(file: target.path))
        return .mustUndo
    }
}

extension RollbackDeleteStep {
    /// Finishing a dead rollback: the undone run's token is deleted (unless `--keep-token`, or
    /// already done), as the live rollback does after its commit point.
    func settle(from dead: DeadRun) async throws {
        guard !dead.mustUndo else { return }
        let begin = dead.begin
        if begin.keepToken != true, !dead.facts.tokenDeleted, let id = begin.tokenID {
            let token = TokenInfo(id: id, name: begin.tokenName ?? "", lastEight: begin.lastEight ?? "", scopes: [])
            if let deletion = try await dead.provider().deleteRunToken(known: token, name: nil, auth: try dead.credential()) {
                try dead.record(.deleted(token))
                dead.note(.tokenDeletion(deletion))
            }
        }
        dead.note(.rollbackFinished(file: begin.file ?? "", of: begin.rollbackOf ?? "?"))
    }
}

/// The file is restored but the undone run's token could not be deleted: the rollback needs
/// attention (exit 81) and stays unfinished, so `rekey recover` retries the deletion.
struct UndoneTokenLeft: RekeyError, LeavesRunUnfinished {
    var file: String
    var token: String
    var reason: String
    var consumer: String
    var exitStatus: ExitStatus { .probeFailedTokenLeft }
    var description: String {
        "\(file) is restored, but \(token) could not be deleted: \(reason); run rekey recover --consumer \(consumer) to retry"
    }
}

extension Playbook {
    /// The playbook of an operation on a journaled run (a rollback), as the run's `begin` record
    /// states it: consumer, server, persona, vault entry, file, key and login. It names no steps.
    static func journaled(consumer: String, begin: JournalRecord, file: String, key: String) -> Playbook {
        Playbook(sourcePath: "journal", consumer: consumer,
                 gitea: .init(url: begin.server ?? "", persona: begin.persona ?? "", auth: begin.vaultEntry),
                 token: .init(nameTemplate: ""),
                 target: .init(file: file, key: key, commentTemplate: ""),
                 probe: begin.login.map { .init(login: $0) }, steps: [])
    }
}
