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
        guard let reload = run.playbook.reload else { return StepResult("no reload: in the playbook; nothing to tell") }
        guard let written = run.facts.fileWritten, written != run.facts.fileBefore else {
            return StepResult("\(run.playbook.target.file) kept its bytes; no reload needed")
        }
        let environment = Self.environment(run, tokenName: run.minted?.info.name, lastEight: run.minted?.info.lastEight)
        var done: [String] = []
        for (role, argv) in Self.commands(reload) {
            journal(run, "\(role) \(Self.show(argv))")
            let outcome = await ConsumerCommand(argv: argv, environment: environment, timeout: .seconds(reload.timeoutSeconds)).run()
            if role == "reload" { started.value = outcome.started }
            guard outcome.succeeded else {
                let failure = ReloadFailed(role: role, command: Self.show(argv), outcome: outcome)
                journal(run, "failed: \(failure.description)")
                throw failure
            }
            done.append("\(role) \(Self.show(argv)) → exit 0")
        }
        journal(run, "reloaded")
        return StepResult(done.joined(separator: "; "), changedTheWorld: true)
    }

    /// Runs only for the failing reload itself: restore the original bytes (what the rewrite step's
    /// compensation does, so that step later finds them in place), then reload with them.
    public func compensate(_ run: RunContext) async throws -> String? {
        guard let reload = run.playbook.reload else { return nil }
        let restored = try await RewriteStep().compensate(run) ?? "\(run.playbook.target.file) was not rewritten"
        let argv = reload.argv
        guard started.value else {
            // The reload never ran (not found, not startable): the consumer was told nothing.
            return "\(restored); the reload never started, so the consumer still runs with them"
        }
        journal(run, "reload with the original bytes: \(Self.show(argv))")
        let environment = Self.environment(run, tokenName: nil, lastEight: run.facts.previousLastEight)
        let outcome = await ConsumerCommand(argv: argv, environment: environment, timeout: .seconds(reload.timeoutSeconds)).run()
        guard outcome.succeeded else {
            throw ReloadAfterRestoreFailed(command: Self.show(argv), outcome: outcome, file: run.playbook.target.file)
        }
        return "\(restored); reloaded with them: \(Self.show(argv)) → exit 0"
    }

    public func plan(_ plan: PlanInput) -> [String] {
        guard let reload = plan.playbook.reload else { return [] }
        let timeout = DurationText.format(seconds: reload.timeoutSeconds)
        var lines = ["  reload    would run \(Self.show(reload.argv)) (timeout \(timeout)) once the file changed"]
        if let verify = reload.verify {
            lines.append("            then verify: \(Self.show(verify)) (timeout \(timeout))")
        }
        lines.append("            a failure restores the file, reloads again and deletes the new token (exit 83)")
        return lines
    }

    static func commands(_ reload: Playbook.Reload) -> [(role: String, argv: [String])] {
        [("reload", reload.argv)] + (reload.verify.map { [("verify", $0)] } ?? [])
    }

    /// What a command sees: identifiers only, never the token.
    static func environment(_ run: RunContext, tokenName: String?, lastEight: String?) -> [String: String] {
        ["REKEY_CONSUMER": run.playbook.consumer,
         "REKEY_RUN": run.run.value,
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
    private func journal(_ run: RunContext, _ detail: String) {
        var record = run.newRecord(.stepEvent)
        record.step = Self.stepName
        record.detail = detail
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
