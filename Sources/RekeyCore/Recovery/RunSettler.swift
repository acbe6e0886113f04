import Foundation
import Logging

/// Brings one journaled run to a stated end: the decisions of `Recovery`, for a rotation and for
/// a rollback. Every action is journaled in the run's own journal before `done`/`rolled-back`.
struct RunSettler {
    let journal: RunJournal
    let services: RecoveryServices
    var state: StateDirectory { services.state }
    var sealer: Sealer { services.sealer }
    typealias MissingRecord = RecoveryServices.MissingRecord

    func settle(actions: inout [Recovery.Action]) async throws -> String {
        let appender = try Journal.continuing(journal, state: state, sealer: sealer)
        guard let begin = journal.begin else {
            try append(appender, .rolledBack) { $0.detail = "recovered: the run died before it changed anything" }
            actions.append(.diedBeforeChanges)
            return "nothing had changed"
        }
        // The file may be another consumer's too: hold its lock while deciding and acting.
        let fileLock = try begin.file.map { try TargetLock.acquire(state, file: $0) }
        defer { fileLock?.release() }
        // The file, opened once through its directory (it may have been removed by hand).
        let target = begin.file.map { ConsumerFile(path: $0, allowMissing: true) }
        // Temp files may hold the new token in plaintext: removed first, even when the file itself
        // is refused just below (it became hard-linked or world-writable since).
        for leftover in target?.removeTempLeftovers() ?? [] {
            actions.append(.removedTempFile(leftover))
            try append(appender, .recovered, from: begin) { $0.detail = "removed \(leftover)" }
        }
        try target?.open()
        if journal.operation == .rollback {
            return try await settleRollback(begin, target: target, appender: appender, actions: &actions)
        }
        return try await settleRotation(begin, target: target, appender: appender, actions: &actions)
    }

    // MARK: - Rotation

    private func settleRotation(_ begin: JournalRecord, target: ConsumerFile?, appender: Journal, actions: inout [Recovery.Action]) async throws -> String {
        guard let file = begin.file, let key = begin.key, let target else { throw MissingRecord(run: journal.run, what: "the file and key") }
        let token = journal.mintedValue.flatMap { $0.isEmpty ? nil : $0 }
        // An unreadable file is no answer: throwing leaves the run unfinished and the token kept.
        let holdsToken = try token.map { try target.holds($0) } ?? false
        let current = target.readIfPossible()

        if let token, holdsToken {
            let api = try client(begin)
            let probe = await Result.capturing { () async throws(GiteaError) in try await api.login(of: token) }
            switch probe {
            case .success(let login) where TokenProbe.matches(login, expected: begin.login):
                try append(appender, .probed, from: begin) { $0.login = login; $0.tokenID = journal.facts.minted?.id }
                try append(appender, .committed, from: begin) { _ in }
                try append(appender, .done, from: begin) { $0.detail = "recovered: finished; the file holds the new token and it probes fine" }
                actions.append(.finished(token: token.redactedTail, login: login))
                return "\(file) holds the new \(key) \(token.redactedTail), verified"
            case .success(let other):
                actions.append(.wrongLogin(login: other, expected: begin.login ?? "?"))
            case .failure(let error) where error.status == 401 || error.status == 403:
                actions.append(.tokenRefused(status: error.status!))
            case .failure(let error):
                throw error
            }
            try restoreBackup(begin, target: target, appender: appender, actions: &actions)
        } else if let current, let original = begin.sha256, Digest.sha256Hex(current) != original {
            actions.append(.fileEditedDuringRotation(file: file))
        }
        try await deleteRunToken(begin, appender: appender, actions: &actions)
        try append(appender, .rolledBack, from: begin) { $0.detail = "recovered: rolled back" }
        return "\(file) holds its original \(key); no token minted by run \(journal.run) remains"
    }

    private func restoreBackup(_ begin: JournalRecord, target: ConsumerFile, appender: Journal, actions: inout [Recovery.Action]) throws {
        let file = target.path
        guard let backup = journal.first(.backedUp)?.backup, let consumer = journal.consumer, let original = begin.sha256 else {
            throw MissingRecord(run: journal.run, what: "a backup record")
        }
        let bytes = try BackupArchive.open(backup, consumer: consumer, file: file, run: journal.run, sealer: sealer)
        try target.restore(bytes, expectedSHA256: original, backup: backup)
        try append(appender, .rewritten, from: begin) { $0.sha256After = original; $0.detail = "restored from \(backup)" }
        actions.append(.restored(file: file, backup: backup))
    }

    /// Deletes the run's token: by id when the mint answer was journaled, else by its journaled
    /// name. Refuses to delete a token that the consumer's file holds.
    private func deleteRunToken(_ begin: JournalRecord, appender: Journal, actions: inout [Recovery.Action]) async throws {
        guard !journal.facts.tokenDeleted else { return }
        let minting = journal.first(.minting)
        let name = minting?.tokenName
        guard journal.facts.minted != nil || name != nil else { return }
        if journal.facts.minted == nil, let minting { try await services.awaitMintDeadline(minting) }
        let api = try client(begin)
        let credential = try credentialFor(begin)
        let value = journal.mintedValue.flatMap { $0.isEmpty ? nil : $0 }
        guard let deletion = try await api.deleteRunToken(persona: begin.persona ?? "", known: journal.facts.minted, name: name,
                                                          auth: credential, value: value)
        else { return }
        if let token = deletion.token {
            try append(appender, .deleted, from: begin) { $0.tokenID = token.id; $0.tokenName = token.name; $0.lastEight = token.lastEight }
        }
        actions.append(.tokenDeletion(deletion.summary))
    }

    // MARK: - Rollback

    private func settleRollback(_ begin: JournalRecord, target: ConsumerFile?, appender: Journal, actions: inout [Recovery.Action]) async throws -> String {
        guard let file = begin.file, let target, let restoredSHA = begin.sha256After, let rotatedSHA = begin.sha256 else {
            throw MissingRecord(run: journal.run, what: "the rollback's file and hashes")
        }
        let current = target.readIfPossible()
        let currentSHA = current.map(Digest.sha256Hex)
        if currentSHA == restoredSHA {
            if begin.keepToken != true, !journal.facts.tokenDeleted, let id = begin.tokenID {
                let token = TokenInfo(id: id, name: begin.tokenName ?? "", lastEight: begin.lastEight ?? "", scopes: [])
                if let deletion = try await client(begin).deleteRunToken(persona: begin.persona ?? "", known: token, name: nil,
                                                                         auth: try credentialFor(begin)) {
                    try append(appender, .deleted, from: begin) { $0.tokenID = id; $0.tokenName = begin.tokenName; $0.lastEight = begin.lastEight }
                    actions.append(.tokenDeletion(deletion.summary))
                }
            }
            try append(appender, .done, from: begin) { $0.detail = "recovered: rollback finished" }
            actions.append(.rollbackFinished(file: file, of: begin.rollbackOf ?? "?"))
            return "\(file) holds the restored bytes of the backup"
        }
        if currentSHA == rotatedSHA {
            try append(appender, .failed, from: begin) { $0.detail = "recovered: the rollback died before the file was restored; nothing changed" }
            actions.append(.rollbackDiedBeforeRestore(file: file))
            return "\(file) still holds what run \(begin.rollbackOf ?? "?") wrote"
        }
        try append(appender, .failed, from: begin) { $0.detail = "recovered: the file changed during the rollback; left as it is" }
        actions.append(.fileEditedDuringRollback(file: file))
        return "\(file) left as it is"
    }

    // MARK: - Plumbing

    private func client(_ begin: JournalRecord) throws -> any GiteaAPI { try services.client(begin, run: journal.run) }

    private func credentialFor(_ begin: JournalRecord) throws -> BasicCredential { try services.credential(begin, run: journal.run) }

    private func append(_ journal: Journal, _ kind: JournalRecord.Kind, from begin: JournalRecord? = nil,
                        _ fill: (inout JournalRecord) -> Void) throws {
        var record = JournalRecord(kind: kind, at: Int(services.now().timeIntervalSince1970),
                                   consumer: self.journal.consumer ?? "", run: self.journal.run)
        record.file = begin?.file
        fill(&record)
        try journal.append(record)
    }
}
