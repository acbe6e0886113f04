import Foundation
import Logging

/// `rekey rollback CONSUMER [--to EPOCH | --run RUN] [--keep-token] [--force]`: puts a sealed
/// backup back into the consumer's file, atomically, and (unless `--keep-token`) deletes the
/// token that the rolled-back run minted.
///
/// By default it undoes the newest successful rotation, restoring the backup that run took.
/// It refuses, unless `--force`:
/// - when the file changed since that run wrote it (someone edited it: their edit would be lost);
/// - when the token in the backup no longer authenticates (it was revoked: restoring it would
///   break the consumer).
/// It is an operation run by `Engine` like a rotation (steps in `RollbackSteps.swift`, journaled
/// with operation `rollback`) and idempotent: undoing a run that a finished
/// rollback already undid, with the file still restored, changes nothing.
public struct Rollback {
    public struct Request: Sendable {
        public var consumer: String
        public var toEpoch: Int?
        public var run: String?
        public var keepToken: Bool
        public var force: Bool

        public init(consumer: String, toEpoch: Int? = nil, run: String? = nil, keepToken: Bool = false, force: Bool = false) {
            self.consumer = consumer
            self.toEpoch = toEpoch
            self.run = run
            self.keepToken = keepToken
            self.force = force
        }
    }

    public struct Report: Sendable, Codable {
        public var consumer: String
        public var rollbackRun: String?
        public var rolledBackRun: String
        public var backup: String
        public var file: String
        public var restoredLastEight: String?
        public var deletedToken: String?
        /// What the rollback did, in order; the executable renders each as a line.
        public var actions: [Action]
        public var alreadyDone: Bool
    }

    /// One thing a rollback did or found. Tokens appear only as their shown tail (`…` plus last eight).
    public enum Action: Sendable, Codable, Equatable {
        /// The backed-up token still authenticates as the expected login.
        case checked(token: String, login: String)
        /// `--force`: the backed-up token authenticates as another login.
        case checkedOtherLogin(login: String)
        /// `--force`: the backed-up token was revoked.
        case checkedRevoked(token: String)
        case restored(file: String, backup: String, key: String, token: String)
        case probed(token: String, login: String)
        case probeFailed
        case deleted(token: String, run: String)
        case kept(token: String)
        case alreadyRolledBack(run: String, file: String)
    }

    public struct Refused: RekeyError {
        public var reason: String
        public var status: ExitStatus
        public var exitStatus: ExitStatus { status }
        public var description: String { reason }
    }

    public let services: RecoveryServices
    var state: StateDirectory { services.state }
    var sealer: Sealer { services.sealer }

    public init(state: StateDirectory, sealer: Sealer, logger: Logger, gitea: @escaping @Sendable (String) -> any GiteaAPI) {
        services = RecoveryServices(state: state, sealer: sealer, logger: logger, gitea: gitea)
    }

    public func run(_ request: Request) async throws -> Report {
        try SafeName.validate(request.consumer, what: "consumer")
        let lock = try ConsumerLock.acquire(state, consumer: request.consumer, wait: false)
        defer { lock.release() }
        let active = ActiveRun(state: state)
        try active.ensureNone(consumer: request.consumer)

        let journals = RunJournal.all(state: state, sealer: sealer).journals.filter { $0.consumer == request.consumer }
        let target = try chooseRun(request, journals: journals)
        // What the run left in the file: journaled by its rewrite, or implied by its commit (a run
        // that `recover` finished after a kill between the rename and the `rewritten` record).
        guard let begin = target.begin, let file = begin.file, let key = begin.key,
              let rewrittenSHA = target.facts.fileAfter else {
            throw Refused(reason: "run \(target.run) of \(request.consumer) never rewrote the file; there is nothing to roll back", status: .config)
        }
        if let revoked = try PendingRevocations(state: state, sealer: sealer).revokedPrevious(of: target) {
            throw Refused(reason: revoked, status: .noPermission)
        }
        let fileLock = try TargetLock.acquire(state, file: file)
        defer { fileLock.release() }
        let backup = try chooseBackup(request, target: target)
        let restored = try BackupArchive.open(backup, consumer: request.consumer, file: file,
                                              run: request.toEpoch == nil ? target.run : nil, sealer: sealer)
        let restoredSHA = Digest.sha256Hex(restored)
        let consumerFile = ConsumerFile(path: file)
        try consumerFile.open()
        let current = try consumerFile.read()
        let currentSHA = Digest.sha256Hex(current)
        let minted = target.facts.minted
        let api = try services.client(begin, run: target.run)

        // Idempotent: a finished rollback of this run with the file still restored.
        if currentSHA == restoredSHA, journals.contains(where: { $0.begin?.rollbackOf == target.run && $0.end?.kind == .done }) {
            return Report(consumer: request.consumer, rollbackRun: nil, rolledBackRun: target.run, backup: backup, file: file,
                          restoredLastEight: nil, deletedToken: nil,
                          actions: [.alreadyRolledBack(run: target.run, file: file)], alreadyDone: true)
        }
        if currentSHA != rewrittenSHA && !request.force {
            throw Refused(reason: "\(file) changed since run \(target.run) wrote it (someone edited it); rolling back would lose that edit. check the file, then add --force to restore \(backup) anyway", status: .badEnvFile)
        }

        let document = EnvDocument(contents: restored, path: backup)
        let oldToken: SecretBytes
        do {
            oldToken = try document.value(of: key)
        } catch {
            // A backup an earlier release took may hold lines today's parser refuses to edit; it is
            // restored byte for byte and its token only probed, so a plain KEY= line is enough.
            guard let lenient = document.lenientValue(of: key) else { throw error }
            oldToken = lenient
        }
        let credential = try services.credential(begin, run: target.run)

        // From here on the rollback is an operation of its own, run by the engine (RollbackSteps).
        let log = RollbackLog()
        let input = RollbackInput(request: request, undone: target, undoneBegin: begin, minted: minted, file: file, key: key,
                                  backup: backup, restored: restored, restoredSHA: restoredSHA, currentSHA: currentSHA,
                                  oldToken: oldToken, credential: credential, log: log)
        let started = services.now()
        let rollbackRun = RunID.make(at: started)
        try active.mark(consumer: request.consumer, run: rollbackRun.value)
        let context = RunContext(playbook: .journaled(consumer: request.consumer, begin: begin, file: file, key: key),
                                 run: rollbackRun, startedAt: started, gitea: api, state: state, sealer: sealer,
                                 journal: Journal(state: state, run: rollbackRun, sealer: sealer), logger: services.logger,
                                 now: services.now, target: consumerFile)
        context.facts.operation = .rollback
        context.facts.backup = backup
        let report = await Engine(steps: input.steps).run(context)
        // A rollback that needs attention (the undone run's token is left), or that failed once the
        // restore was under way, keeps its marker: `rekey recover` decides from the file's bytes.
        let unfinished = report.outcome == .needsAttention || (report.outcome != .rotated && context.facts.rewriteAttempted)
        if !unfinished && report.endRecorded { try? active.clear(consumer: request.consumer) }
        guard report.outcome == .rotated else {
            throw log.failure ?? Refused(reason: report.error ?? report.state, status: ExitStatus(rawValue: report.exitCode) ?? .software)
        }
        let deleted = log.actions.contains { if case .deleted = $0 { true } else { false } }
        // The file holds the old token again: the inventory says so, and its revocation is off.
        try? InventoryImport.recordRollback(consumer: request.consumer, file: file, key: key, token: oldToken, begin: begin,
                                            state: state, sealer: sealer, at: services.now())
        try? PendingRevocations(state: state, sealer: sealer).cancel(run: target.run, rollbackRun: rollbackRun.value)
        return Report(consumer: request.consumer, rollbackRun: rollbackRun.value, rolledBackRun: target.run, backup: backup, file: file,
                      restoredLastEight: oldToken.displayLastEight, deletedToken: deleted ? input.tokenLabel : nil,
                      actions: log.actions, alreadyDone: false)
    }

    private func chooseRun(_ request: Request, journals: [RunJournal]) throws -> RunJournal {
        let rotations = journals.filter(\.isSuccessfulRotation)
        if let run = request.run {
            guard let found = rotations.first(where: { $0.run == run }) else {
                throw Refused(reason: "no successful rotation \(run) of \(request.consumer); see rekey history \(request.consumer)", status: .usage)
            }
            return found
        }
        guard let newest = rotations.first else {
            throw Refused(reason: "\(request.consumer) has no successful rotation to roll back; see rekey history \(request.consumer)", status: .usage)
        }
        return newest
    }

    private func chooseBackup(_ request: Request, target: RunJournal) throws -> String {
        if let epoch = request.toEpoch {
            let basename = ((target.begin?.file ?? "") as NSString).lastPathComponent
            let path = state.backupPath(consumer: request.consumer, basename: basename, epoch: epoch)
            guard FileManager.default.fileExists(atPath: path) else {
                throw Refused(reason: "no backup of \(request.consumer) at epoch \(epoch) (\(path)); see rekey backup list \(request.consumer)", status: .usage)
            }
            return path
        }
        guard let backup = target.first(.backedUp)?.backup, FileManager.default.fileExists(atPath: backup) else {
            throw Refused(reason: "the backup taken by run \(target.run) is gone (pruned?); choose another with --to EPOCH (rekey backup list \(request.consumer))", status: .usage)
        }
        return backup
    }
}
