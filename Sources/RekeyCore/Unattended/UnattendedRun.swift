import Foundation
import Logging

/// `rekey run --unattended PLAYBOOK|DIR …`: every consumer on its own (one failing never stops
/// the others), at most `parallel` at once, never reading standard input.
///
/// For each consumer, in order:
/// 1. an unfinished run is recovered first (as `rekey recover` would);
/// 2. a stuck consumer is skipped, with no request at all;
/// 3. a missing vault entry fails it at once (77);
/// 4. due by the clock (no `every`, never rotated, or `every` passed; or `--force`): rotated;
/// 5. otherwise one request, `GET /api/v1/user` with the token the file holds: accepted → not
///    due; rejected (401, or another login) while the vault credential still authenticates →
///    healed now, at most `maxHeal` per invocation.
///
/// `--jitter` sleeps once, before any network call, when a consumer is due by the clock.
public struct UnattendedRun: Sendable {
    public struct Servers: Sendable {
        /// The client for a playbook's server (the https rule applied), or the error refusing it.
        public var client: @Sendable (Playbook) throws -> any GiteaAPI
        /// The client for a server a journal names (recover).
        public var journaled: @Sendable (String) -> any GiteaAPI

        public init(client: @escaping @Sendable (Playbook) throws -> any GiteaAPI, journaled: @escaping @Sendable (String) -> any GiteaAPI) {
            self.client = client
            self.journaled = journaled
        }
    }

    public let state: StateDirectory
    public let sealer: Sealer
    public let servers: Servers
    public let options: UnattendedOptions
    public let stop: StopFlag
    public let logger: Logger
    public var now: @Sendable () -> Date = WallClock.now
    /// The jitter's sleep (injected by tests); it ends early when `stop` is set.
    public var sleep: @Sendable (Duration, StopFlag) async -> Void = { duration, stop in await stop.sleep(duration) }

    public init(state: StateDirectory, sealer: Sealer, servers: Servers, options: UnattendedOptions, stop: StopFlag, logger: Logger) {
        self.state = state
        self.sealer = sealer
        self.servers = servers
        self.options = options
        self.stop = stop
        self.logger = logger
    }

    public func run(_ entries: [PlaybookSet.Entry], deadline: ContinuousClock.Instant) async -> UnattendedReport {
        var results: [UnattendedReport.Consumer?] = Array(repeating: nil, count: entries.count)
        var work: [(Int, Playbook)] = []
        let book = StatusBook(state: state, sealer: sealer)
        let vault = Vault(state: state, sealer: sealer)
        let nowSeconds = Int(now().timeIntervalSince1970)
        var anyDue = false
        for (index, entry) in entries.enumerated() {
            switch entry.playbook {
            case .failure(let error):
                results[index] = UnattendedReport.Consumer(consumer: (entry.path as NSString).lastPathComponent, playbook: entry.path, outcome: .failed,
                                       msg: error.description, rc: error.exitStatus, step: "playbook", next: "fix \(entry.path)")
            case .success(let playbook):
                var status = book.load(playbook.consumer)
                status.describe(playbook)  // due and stuck by this playbook's every and max_failures
                if status.stuck {
                    results[index] = stuck(playbook, status)
                } else if !vault.contains(playbook.gitea.auth) {
                    results[index] = UnattendedReport.Consumer(consumer: playbook.consumer, playbook: playbook.sourcePath, outcome: .failed,
                                           msg: "vault entry \(playbook.gitea.auth) is missing", rc: .noPermission, step: "validate",
                                           next: "rekey vault set \(playbook.gitea.auth) --username \(playbook.gitea.auth)")
                } else {
                    anyDue = anyDue || options.force || status.isDue(at: nowSeconds)
                    work.append((index, playbook))
                }
            }
        }
        if anyDue && options.jitterSeconds > 0 && !stop.isStopped {
            let delay = Duration.milliseconds(Int.random(in: 0..<(options.jitterSeconds * 1000)))
            logger.info("jitter", metadata: ["seconds": "\(delay.components.seconds)"])
            await sleep(delay, stop)
        }
        let heals = HealBudget(limit: options.maxHeal)
        let threads = ConsumerThreads(count: options.parallel)
        defer { threads.shutdown() }
        await withTaskGroup(of: (Int, UnattendedReport.Consumer).self) { group in
            var pending = work[...]
            func startNext() {
                guard let (index, playbook) = pending.popFirst() else { return }
                group.addTask(executorPreference: threads) { (index, await self.handle(playbook, deadline: deadline, heals: heals)) }
            }
            for _ in 0..<max(1, options.parallel) { startNext() }
            for await (index, result) in group {
                results[index] = result
                startNext()
            }
        }
        // A failure before any rotation started (the due check, the preflight) is the consumer's
        // last outcome too; a rotation's own outcome was recorded by `Rotation.run`.
        for (index, playbook) in work {
            guard let result = results[index], result.outcome == .failed, result.run == nil else { continue }
            book.update(playbook.consumer) { record in
                record.describe(playbook)
                record.lastOutcome = .failed
                record.lastExitCode = Int32(result.rc)
                record.lastError = result.msg
                record.lastRunAt = Int(now().timeIntervalSince1970)
            }
        }
        // Pending revocations (revoke-previous) that became allowed are settled once per invocation,
        // like `rekey revoke --pending`; nothing is asked of the server when none is pending. What
        // stays pending goes to the log, not to stderr: it is not a failure.
        if !stop.isStopped, ContinuousClock.now < deadline {
            do {
                let settled = try await PendingRevocations(state: state, sealer: sealer, now: now).settle { GiteaProvider(api: servers.journaled($0.server), persona: $0.persona) }
                for entry in settled {
                    logger.info("revocation", metadata: ["token-id": "\(entry.record.tokenID)", "status": "\(entry.record.status)",
                                                         "problem": "\(entry.problem ?? "")"])
                }
            } catch {
                logger.warning("pending revocations not settled", metadata: ["error": "\(ErrorLine.describe(error))"])
            }
        }
        let consumers = results.compactMap { $0 }
        for consumer in consumers where consumer.failed { logger.error("\(consumer.line)") }
        return UnattendedReport(consumers: consumers, interrupted: stop.isStopped)
    }

    /// One consumer, start to end. Never throws: every failure is its result.
    func handle(_ playbook: Playbook, deadline: ContinuousClock.Instant, heals: HealBudget) async -> UnattendedReport.Consumer {
        var logger = logger
        logger[metadataKey: "consumer"] = "\(playbook.consumer)"
        func result(_ outcome: ConsumerStatus.Outcome, _ msg: String, _ rc: ExitStatus, step: String? = nil, next: String? = nil) -> UnattendedReport.Consumer {
            .init(consumer: playbook.consumer, playbook: playbook.sourcePath, outcome: outcome, msg: msg, rc: rc, step: step, next: next)
        }
        if stop.isStopped {
            return result(.skipped, "not started: rekey was asked to stop", .busy, next: "none; the next run handles it")
        }
        guard ContinuousClock.now < deadline else {
            return result(.skipped, "not started: the invocation's --deadline passed", .busy, next: "none; the next run handles it, or raise --deadline")
        }
        let gitea: any GiteaAPI
        do {
            gitea = try servers.client(playbook)
        } catch {
            return result(.failed, ErrorLine.describe(error), ErrorLine.exitStatus(error), step: "validate", next: "fix gitea.url in \(playbook.sourcePath)")
        }
        let book = StatusBook(state: state, sealer: sealer)
        if let run = ActiveRun(state: state).current(consumer: playbook.consumer) {
            let recovery = Recovery(state: state, sealer: sealer, logger: logger, gitea: servers.journaled)
            let outcome = await recovery.recover(consumer: playbook.consumer, run: run)
            if !outcome.settled && outcome.exitCode == ExitStatus.busy.rawValue {
                // Another process holds the consumer: its run is alive, not unfinished.
                return result(.busy, "another rekey process is rotating \(playbook.consumer) (run \(run))", .busy,
                              step: "lock", next: "none; the next run retries")
            }
            guard outcome.settled else {
                return result(.needsAttention, "an unfinished run \(run) could not be settled: \(outcome.state)",
                              ExitStatus(rawValue: outcome.exitCode) ?? .software, step: "recover", next: "rekey recover")
            }
            if outcome.finishedRotation {
                book.update(playbook.consumer) { status in
                    status.describe(playbook)
                    status.recordFinishedByRecover(run: run, at: Int(now().timeIntervalSince1970))
                }
            }
        }
        var status = book.load(playbook.consumer)
        status.describe(playbook)
        if options.force || status.isDue(at: Int(now().timeIntervalSince1970)) {
            return await rotate(playbook, gitea: gitea, heal: false, logger: logger)
        }
        return await dueCheck(playbook, status: status, gitea: gitea, heals: heals, logger: logger)
    }

    func stuck(_ playbook: Playbook, _ status: ConsumerStatus) -> UnattendedReport.Consumer {
        let code = status.lastExitCode.flatMap { ExitStatus(rawValue: $0) }.flatMap { $0 == .ok ? nil : $0 } ?? .probeFailedRolledBack
        return .init(consumer: playbook.consumer, playbook: playbook.sourcePath, outcome: .stuck,
                     msg: "stuck after \(status.failuresInRow) failed runs in a row (last: \(status.lastError ?? "exit \(code.rawValue)")); skipped, nothing minted",
                     rc: code, step: "stuck",
                     next: "fix the cause, then rekey run \(playbook.sourcePath) or rekey unstick \(playbook.consumer)")
    }
}

/// Self-heals left in this invocation, shared by the concurrent consumers.
final class HealBudget: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int

    init(limit: Int) { left = limit }

    func take() -> Bool {
        lock.withLock {
            guard left > 0 else { return false }
            left -= 1
            return true
        }
    }
}
