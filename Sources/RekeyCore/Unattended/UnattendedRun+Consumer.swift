import Foundation
import Logging

extension UnattendedRun {
    /// A rotation through `Rotation.run` (which keeps the status record), turned into a result.
    func rotate(_ playbook: Playbook, gitea: any GiteaAPI, heal: Bool, logger: Logger) async -> UnattendedReport.Consumer {
        var rotation = Rotation(playbook: playbook, state: state, sealer: sealer, gitea: gitea, logger: logger)
        rotation.now = now
        rotation.mintRetry = .unattended(retries: options.retries, stop: stop)
        rotation.registry = rotation.registry.stoppable(by: stop)
        func result(_ outcome: ConsumerStatus.Outcome, _ msg: String, _ rc: ExitStatus, step: String? = nil, next: String? = nil) -> UnattendedReport.Consumer {
            .init(consumer: playbook.consumer, playbook: playbook.sourcePath, outcome: outcome, msg: msg, rc: rc, step: step, next: next)
        }
        // A server that does not answer `GET /api/v1/version` is found out before anything changes
        // (69), rather than in the middle of a mint whose fate nobody could then tell.
        let reachable = await Result.capturing { () async throws(GiteaError) in try await gitea.version() }
        if case .failure(let error) = reachable {
            return result(.failed, error.description, error.exitStatus, step: "preflight", next: Self.next(for: error.exitStatus, playbook))
        }
        let report: RunReport
        do {
            report = try await rotation.run()
        } catch {
            let status = ErrorLine.exitStatus(error)
            if status == .busy {
                return result(.busy, ErrorLine.describe(error), .busy, step: "lock", next: "none; the next run retries")
            }
            return result(.failed, ErrorLine.describe(error), status, step: "lock", next: Self.next(for: status, playbook))
        }
        let rc = ExitStatus(rawValue: report.exitCode) ?? .software
        let failedStep = report.steps.first { $0.outcome == .failed }?.step
        var consumer: UnattendedReport.Consumer
        switch report.outcome {
        case .rotated:
            consumer = result(heal ? .healed : .rotated, report.state, .ok)
        case .rolledBack:
            consumer = result(.rolledBack, (report.error.map { $0 + "; " } ?? "") + report.state, rc, step: failedStep, next: Self.next(for: rc, playbook))
        case .needsAttention:
            consumer = result(.needsAttention, (report.error.map { $0 + "; " } ?? "") + report.state, rc, step: failedStep, next: "rekey recover")
        case .failed:
            consumer = result(.failed, report.error ?? report.state, rc, step: failedStep, next: Self.next(for: rc, playbook))
        }
        consumer.run = report.run
        consumer.token = report.outcome == .rotated ? report.token.map { .init(name: $0.name, lastEight: $0.lastEight) } : nil
        if report.outcome != .rotated, StatusBook(state: state, sealer: sealer).load(playbook.consumer).stuck {
            consumer.msg += "; the consumer is now stuck (max_failures \(playbook.maxFailures))"
            consumer.next = "fix the cause, then rekey run \(playbook.sourcePath) or rekey unstick \(playbook.consumer)"
        }
        return consumer
    }

    /// The consumer is not due by the clock: one `GET /api/v1/user` with the token the file holds.
    func dueCheck(_ playbook: Playbook, status: ConsumerStatus, gitea: any GiteaAPI, heals: HealBudget, logger: Logger) async -> UnattendedReport.Consumer {
        func result(_ outcome: ConsumerStatus.Outcome, _ msg: String, _ rc: ExitStatus, step: String? = nil, next: String? = nil) -> UnattendedReport.Consumer {
            .init(consumer: playbook.consumer, playbook: playbook.sourcePath, outcome: outcome, msg: msg, rc: rc, step: step, next: next)
        }
        let lock: ConsumerLock
        do {
            lock = try ConsumerLock.acquire(state, consumer: playbook.consumer, wait: false)
        } catch {
            return result(.busy, ErrorLine.describe(error), .busy, step: "lock", next: "none; the next run retries")
        }
        let book = StatusBook(state: state, sealer: sealer)
        let file = ConsumerFile(path: playbook.target.file)
        let token: SecretBytes
        do {
            try file.open()
            token = try EnvDocument(contents: try file.read(), path: playbook.target.file).value(of: playbook.target.key)
        } catch {
            lock.release()
            let rc = ErrorLine.exitStatus(error)
            return result(.failed, ErrorLine.describe(error), rc, step: "validate", next: Self.next(for: rc, playbook))
        }
        let lastEight = token.displayLastEight
        let drift = status.tokenLastEight != nil && lastEight != status.tokenLastEight
        if drift {
            logger.warning("drift: the env file holds a token rekey did not write", metadata: ["token-last8": "\(lastEight ?? "")"])
        }
        if let warning = file.warning { logger.warning("\(warning)") }
        let expected = playbook.probe?.login ?? playbook.gitea.persona
        let probe = await Result.capturing { () async throws(GiteaError) -> String in try await gitea.login(of: token) }
        let rejected: String
        switch probe {
        case .success(let login) where login == expected:
            book.update(playbook.consumer) { record in
                record.describe(playbook)
                record.tokenValid = true
                record.drift = drift
                record.warning = file.warning
                if record.lastOutcome == .failed { record.lastOutcome = .notDue }
            }
            lock.release()
            var consumer = result(.notDue, "not due" + (status.nextDueAt.map { " until \(UTCFormat.iso(Date(timeIntervalSince1970: TimeInterval($0))))" } ?? ""), .ok)
            consumer.drift = drift
            return consumer
        case .success(let login):
            rejected = "the token in the file authenticates as \(login), not \(expected)"
        case .failure(let error) where error.status == 401:
            rejected = "gitea rejected the token in the file (401)"
        case .failure(let error):
            lock.release()
            return result(.failed, error.description, error.exitStatus, step: "due check", next: Self.next(for: error.exitStatus, playbook))
        }
        book.update(playbook.consumer) { record in
            record.describe(playbook)
            record.tokenValid = false
            record.drift = drift
        }
        lock.release()
        logger.warning("token rejected while not due", metadata: ["reason": "\(rejected)"])
        // Heal only when the vault credential still authenticates: a server whose whole auth is
        // down must not trigger a mass mint.
        do {
            let credential = try Vault(state: state, sealer: sealer).load(playbook.gitea.auth)
            try await gitea.checkCredential(persona: playbook.gitea.persona, auth: credential)
        } catch {
            let rc = ErrorLine.exitStatus(error)
            return result(.failed, "\(rejected), and the vault credential failed too: \(ErrorLine.describe(error))", rc,
                          step: "due check", next: Self.next(for: rc, playbook))
        }
        guard heals.take() else {
            return result(.failed, "\(rejected); not healed: this invocation reached --max-heal \(options.maxHeal)", .noPermission,
                          step: "heal", next: "rekey run \(playbook.sourcePath)")
        }
        var healed = await rotate(playbook, gitea: gitea, heal: true, logger: logger)
        healed.drift = drift
        return healed
    }

    /// The next command for a failure with `status`.
    static func next(for status: ExitStatus, _ playbook: Playbook) -> String {
        switch status {
        case .unavailable: "check that gitea at \(playbook.gitea.url) is up; the next run retries"
        case .busy: "none; the next run retries"
        case .noPermission: "rekey vault set \(playbook.gitea.auth) --username <user> (or check the account in gitea)"
        case .config, .usage: "fix \(playbook.sourcePath)"
        case .badEnvFile: "fix \(playbook.target.file)"
        case .cantCreate: "check the state directory's permissions and ReadWritePaths="
        case .probeFailedRolledBack: "rekey history \(playbook.consumer), then rekey run \(playbook.sourcePath)"
        case .probeFailedTokenLeft, .rollbackFailed: "rekey recover"
        default: "rekey history \(playbook.consumer)"
        }
    }
}
