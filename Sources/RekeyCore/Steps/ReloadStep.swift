import Foundation

/// Tells the consumer that its file changed (`reload:` in the playbook), after the commit point and
/// only when the run changed the file's bytes: `systemctl try-restart UNIT` (or
/// `try-reload-or-restart`) or an argv of the playbook's, then the optional `verify` argv. Each
/// must exit 0 within `timeout`.
///
/// A failure asks the engine for a restore (`ReloadFailed` is `RequiresRestore`): this step's
/// compensation, which the engine runs first, puts the original bytes back and reloads the consumer
/// again with them; then the earlier steps' compensations run as usual (rewrite finds the original
/// bytes in place, mint deletes the new token). Exit 83, or 82 when the restore or the second
/// reload fails.
///
/// The commands see only `REKEY_CONSUMER`, `REKEY_RUN`, `REKEY_TOKEN_NAME`, `REKEY_TOKEN_LAST8` and
/// a fixed `PATH`; never the token (`ConsumerCommand`).
public struct ReloadStep: Step {
    public static let stepName = "reload"
    public var name: String { Self.stepName }
    public var placement: StepPlacement { .afterCommit }
    /// Whether this run's reload command started (the registry makes one step per run).
    private let started = Started()

    public init() {}

    public func perform(_ run: RunContext) async throws -> StepResult {
        guard let reload = run.playbook.reload else { return StepResult(.noReload) }
        guard let written = run.facts.fileWritten, written != run.facts.fileBefore else {
            return StepResult(.reloadNotNeeded(file: run.playbook.target.file))
        }
        let environment = Self.environment(consumer: run.playbook.consumer, run: run.run.value,
                                           tokenName: run.minted?.info.name, lastEight: run.minted?.info.lastEight)
        // The commands first, so that `rekey recover` can run them again if the run dies inside them.
        journal(run, Self.reloadingDetail) { $0.command = reload.argv; $0.verify = reload.verify; $0.timeout = reload.timeoutSeconds }
        let done = try await Self.runCommands(Self.commands(reload), environment: environment, timeoutSeconds: reload.timeoutSeconds,
                                              started: { self.started.value = $0 }, journal: { detail in journal(run, detail) })
        journal(run, Self.reloadedDetail)
        return StepResult(.reloaded(done), changedTheWorld: true)
    }

    static let reloadingDetail = "reloading"
    static let reloadedDetail = "reloaded"
    static let failedPrefix = "failed: "

    /// Runs the reload (and verify) commands in order, journaling each ahead; the first failure
    /// is journaled and thrown as `ReloadFailed` (which asks for a restore).
    static func runCommands(_ commands: [(role: String, argv: [String])], environment: [String: String], timeoutSeconds: Int,
                            started: (Bool) -> Void, journal: (String) throws -> Void) async throws -> [StepDetail.Command] {
        var done: [StepDetail.Command] = []
        for (role, argv) in commands {
            try journal("\(role) \(show(argv))")
            let outcome = await ConsumerCommand(argv: argv, environment: environment, timeout: .seconds(timeoutSeconds)).run()
            if role == "reload" { started(outcome.started) }
            guard outcome.succeeded else {
                let failure = ReloadFailed(role: role, command: show(argv), outcome: outcome)
                try journal(failedPrefix + failure.description)
                throw failure
            }
            CrashPoint.reach("reload-after-\(role)")
            done.append(.init(role: role, argv: show(argv)))
        }
        return done
    }

    /// Runs only for the failing reload itself: restore the original bytes (what the rewrite step's
    /// compensation does, so that step later finds them in place), then reload with them.
    public func compensate(_ run: RunContext) async throws -> StepDetail? {
        guard let reload = run.playbook.reload else { return nil }
        let restored = try await RewriteStep().compensate(run)
        let file = run.playbook.target.file
        let argv = reload.argv
        guard started.value else {
            // The reload never ran (not found, not startable): the consumer was told nothing.
            return .restoredAndReloaded(restore: restored, file: file, command: nil)
        }
        journal(run, "reload with the original bytes: \(Self.show(argv))")
        let environment = Self.environment(consumer: run.playbook.consumer, run: run.run.value, tokenName: nil, lastEight: run.facts.previousLastEight)
        let outcome = await ConsumerCommand(argv: argv, environment: environment, timeout: .seconds(reload.timeoutSeconds)).run()
        guard outcome.succeeded else {
            throw ReloadAfterRestoreFailed(command: Self.show(argv), outcome: outcome, file: run.playbook.target.file)
        }
        return .restoredAndReloaded(restore: restored, file: file, command: Self.show(argv))
    }

    public func plan(_ plan: PlanInput) -> [PlanItem] {
        guard let reload = plan.playbook.reload else { return [] }
        return [.reload(command: Self.show(reload.argv), verify: reload.verify.map(Self.show), timeoutSeconds: reload.timeoutSeconds)]
    }

    static func commands(_ reload: Playbook.Reload) -> [(role: String, argv: [String])] {
        [("reload", reload.argv)] + (reload.verify.map { [("verify", $0)] } ?? [])
    }

    /// What a command sees: identifiers only, never the token.
    static func environment(consumer: String, run: String, tokenName: String?, lastEight: String?) -> [String: String] {
        ["REKEY_CONSUMER": consumer,
         "REKEY_RUN": run,
         "REKEY_TOKEN_NAME": tokenName ?? "",
         "REKEY_TOKEN_LAST8": lastEight ?? ""]
    }

    /// An argv as one line for people and the journal (arguments are the playbook's own words).
    static func show(_ argv: [String]) -> String {
        argv.map { $0.contains(where: { $0 == " " || $0 == "\t" }) || $0.isEmpty ? "'\($0)'" : $0 }
            .joined(separator: " ")
            .filter { !$0.isNewline }
    }

    /// The reload's records are informational (recover does not act on them yet): a journal that
    /// cannot take one is logged, and the consumer is still told, rather than left on the old file
    /// with the run reporting success.
    private func journal(_ run: RunContext, _ detail: String, _ fill: (inout JournalRecord) -> Void = { _ in }) {
        var record = run.newRecord(.stepEvent)
        record.step = Self.stepName
        record.detail = detail
        fill(&record)
        do {
            try run.journal.append(record)
        } catch {
            run.logger.error("journal append failed", metadata: ["step": "\(Self.stepName)"])
        }
    }
}

/// Set by `perform`, read by `compensate` of the same run.
private final class Started: @unchecked Sendable {
    var value = false
}

/// The reload or verify command failed after the rotation: the engine restores the file. Exit 83.
public struct ReloadFailed: RekeyError, RequiresRestore {
    public var role: String
    public var command: String
    public var outcome: ConsumerCommand.Outcome
    public var exitStatus: ExitStatus { .reloadFailedRestored }
    public var description: String { "\(role) failed: \(command) \(outcome)" }
}

/// The reload with the restored bytes failed too: the file holds its original bytes, but the
/// consumer may still run with the new token (which is being deleted). Exit 82: a person must look.
public struct ReloadAfterRestoreFailed: RekeyError {
    public var command: String
    public var outcome: ConsumerCommand.Outcome
    public var file: String
    public var exitStatus: ExitStatus { .rollbackFailed }
    public var description: String {
        "\(file) holds its original bytes again, but reloading the consumer with them failed: \(command) \(outcome); restart the consumer by hand"
    }
}

extension ReloadStep {
    /// `rekey recover`: what a run that died in or after the reload needs, from the commands the
    /// reload journaled before running them (runs of releases that did not journal them are left
    /// as they were: the consumer may need a restart by hand).
    ///
    /// - Finishing a run that died inside the reload (its commands journaled, neither `reloaded`
    ///   nor a failure after them): the reload and verify run again with the file as it is (it
    ///   holds the new token: the probe proved it). When they fail, the reload's own rule holds: the
    ///   error asks for a restore and `Engine.settle` undoes the run.
    /// - Undoing a run whose reload had started: the consumer may run with the new token, so the
    ///   file gets its original bytes back first (what `rewrite`'s settling does), then the consumer
    ///   is reloaded with them.
    public func settle(from dead: DeadRun) async throws {
        guard case let (plan, after)? = Self.journaled(dead), let argv = plan.command, !argv.isEmpty else { return }
        let timeout = plan.timeout ?? Playbook.Reload.defaultTimeoutSeconds
        let consumer = dead.journal.consumer ?? ""
        if dead.mustUndo {
            try await reloadWithOriginal(dead, argv: argv, timeout: timeout, consumer: consumer)
            return
        }
        guard !after.contains(where: { $0.detail == Self.reloadedDetail || $0.detail?.hasPrefix(Self.failedPrefix) == true }) else { return }
        let minted = dead.facts.minted
        let environment = Self.environment(consumer: consumer, run: dead.journal.run, tokenName: minted?.name, lastEight: minted?.lastEight)
        let commands = [("reload", argv)] + (plan.verify.map { [("verify", $0)] } ?? [])
        let done = try await Self.runCommands(commands, environment: environment, timeoutSeconds: timeout, started: { _ in },
                                              journal: { try Self.journal(dead, $0) })
        try Self.journal(dead, Self.reloadedDetail)
        dead.note(.reloaded(commands: done.map { "\($0.role) \($0.argv)" }))
    }

    /// A run whose reload journaled a failure (it died before the restore finished) is undone:
    /// that is the reload's rule in a live run.
    public func assess(_ dead: DeadRun) async throws -> Assessment {
        guard case let (_, after)? = Self.journaled(dead) else { return .canFinish }
        return after.contains { $0.detail?.hasPrefix(Self.failedPrefix) == true } ? .mustUndo : .canFinish
    }

    /// The reload's last journaled command record (with the commands) and the reload records after it.
    private static func journaled(_ dead: DeadRun) -> (plan: JournalRecord, after: [JournalRecord])? {
        let records = dead.journal.records.filter { $0.kind == .stepEvent && $0.step == stepName }
        guard let index = records.lastIndex(where: { $0.command != nil }) else { return nil }
        return (records[index], Array(records[(index + 1)...]))
    }

    private func reloadWithOriginal(_ dead: DeadRun, argv: [String], timeout: Int, consumer: String) async throws {
        guard let target = dead.target, let original = dead.begin.sha256 else { return }
        try await RewriteStep().settle(from: dead)
        // Someone else's edit is left alone (rewrite noted it); only the original bytes are reloaded.
        guard let current = target.readIfPossible(), Digest.sha256Hex(current) == original else { return }
        try Self.journal(dead, "reload with the original bytes: \(Self.show(argv))")
        let environment = Self.environment(consumer: consumer, run: dead.journal.run, tokenName: nil, lastEight: dead.begin.lastEight)
        let outcome = await ConsumerCommand(argv: argv, environment: environment, timeout: .seconds(timeout)).run()
        guard outcome.succeeded else {
            throw ReloadAfterRestoreFailed(command: Self.show(argv), outcome: outcome, file: target.path)
        }
        dead.note(.reloadedOriginal(command: Self.show(argv)))
    }

    private static func journal(_ dead: DeadRun, _ detail: String) throws {
        try dead.record(.step(name: stepName, detail: detail))
    }
}
