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

    /// The registry's steps settle the run through the engine (`Engine.settle`): each decides from
    /// what it journaled, the file and the server whether to finish or undo its part.
    private func settleRotation(_ begin: JournalRecord, target: ConsumerFile?, appender: Journal, actions: inout [Recovery.Action]) async throws -> String {
        guard let file = begin.file, let key = begin.key, let target else { throw MissingRecord(run: journal.run, what: "the file and key") }
        let dead = DeadRun(journal: journal, begin: begin, target: target, services: services, writer: appender)
        defer { actions += dead.actions }
        let steps = services.registry.entries.map { $0.make(StepServices(vault: Vault(state: state, sealer: sealer))) }
        switch try await Engine(steps: steps).settle(dead) {
        case .finished:
            return "\(file) holds the new \(key) \(dead.mintedValue?.redactedTail ?? "token"), verified"
        case .undone:
            return "\(file) holds its original \(key); no token minted by run \(journal.run) remains"
        }
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
                if let deletion = try await services.provider(begin, run: journal.run).deleteRunToken(known: token, name: nil,
                                                                                                      auth: try credentialFor(begin)) {
                    try append(appender, .deleted, from: begin) { $0.tokenID = id; $0.tokenName = begin.tokenName; $0.lastEight = begin.lastEight }
                    actions.append(.tokenDeletion(deletion))
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
