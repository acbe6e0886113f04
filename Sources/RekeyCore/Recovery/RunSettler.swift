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
        guard let file = begin.file, let opened = target else { throw MissingRecord(run: journal.run, what: "the file") }
        let dead = DeadRun(journal: journal, begin: begin, target: opened, services: services, writer: appender)
        defer { actions += dead.actions }
        // The operation's own steps settle it through the engine (`Engine.settle`): a rotation's
        // from the registry, a rollback's from `RollbackSteps.swift`. Each decides from what it
        // journaled, the file and the server whether to finish or undo its part.
        if journal.operation == .rollback {
            switch try await Engine(steps: RollbackInput.settling).settle(dead) {
            case .finished:
                return "\(file) holds the restored bytes of the backup"
            case .undone:
                return dead.actions.contains(.rollbackDiedBeforeRestore(file: file))
                    ? "\(file) still holds what run \(begin.rollbackOf ?? "?") wrote" : "\(file) left as it is"
            }
        }
        guard let key = begin.key else { throw MissingRecord(run: journal.run, what: "the file and key") }
        let steps = services.registry.entries.map { $0.make(StepServices(vault: Vault(state: state, sealer: sealer))) }
        switch try await Engine(steps: steps).settle(dead) {
        case .finished:
            return "\(file) holds the new \(key) \(dead.mintedValue?.redactedTail ?? "token"), verified"
        case .undone:
            return "\(file) holds its original \(key); no token minted by run \(journal.run) remains"
        }
    }

    // MARK: - Plumbing

    private func append(_ journal: Journal, _ kind: JournalRecord.Kind, from begin: JournalRecord? = nil,
                        _ fill: (inout JournalRecord) -> Void) throws {
        var record = JournalRecord(kind: kind, at: Int(services.now().timeIntervalSince1970),
                                   consumer: self.journal.consumer ?? "", run: self.journal.run)
        record.file = begin?.file
        fill(&record)
        try journal.append(record)
    }
}
