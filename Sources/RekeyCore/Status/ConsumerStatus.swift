import Foundation

/// The small per-consumer record every run keeps (`consumers/<consumer>.json` in the state
/// directory), so that `rekey status`, the due check and the stuck rule cost O(consumers), never
/// O(runs). It holds identifiers, times and last-eight tails only, never a secret: it is plain
/// JSON, mode 0600, readable without the master key (status and the Prometheus file need no key),
/// and a master-key rotation leaves it alone.
public struct ConsumerStatus: Codable, Sendable, Equatable {
    /// What the last run of this consumer did, in the words of `--json`'s `outcome`.
    public enum Outcome: String, Codable, Sendable {
        case rotated, healed, notDue = "not-due", failed, rolledBack = "rolled-back"
        case needsAttention = "needs-attention", stuck, busy, skipped
    }

    public var consumer: String
    /// The playbook that last ran it, its env file and persona (for status lines and metric labels).
    public var playbook: String?
    public var file: String?
    public var persona: String?
    /// `every` and `max_failures` of the playbook that last ran it.
    public var every: Int?
    public var maxFailures: Int = Playbook.defaultMaxFailures
    /// Unix seconds of the last run of any kind, and of the last verified rotation.
    public var lastRunAt: Int?
    public var lastSuccessAt: Int?
    public var lastRun: String?
    public var lastOutcome: Outcome?
    public var lastExitCode: Int32?
    /// The last failure's one line (identifiers only), for status and the next command.
    public var lastError: String?
    /// Runs in a row that minted and then rolled back or needed attention (the stuck rule).
    public var failuresInRow: Int = 0
    public var stuck: Bool = false
    /// The file held a token other than the one rekey last wrote, at the last due check.
    public var drift: Bool = false
    /// Whether the token in the file authenticated at the last due check or probe.
    public var tokenValid: Bool?
    /// The last eight of the token rekey last wrote into the file, and that token's name.
    public var tokenLastEight: String?
    public var tokenName: String?
    /// A warning the last run noticed (a world-readable env file), for status, never stderr.
    public var warning: String?

    public init(consumer: String) { self.consumer = consumer }

    /// When the consumer is next due; nil when it has no `every` (always due) or never rotated.
    public var nextDueAt: Int? {
        guard let every, let lastSuccessAt else { return nil }
        return lastSuccessAt + every
    }

    /// Due by the clock: no `every`, never rotated, or the last rotation at least `every` old.
    public func isDue(at now: Int) -> Bool {
        guard let next = nextDueAt else { return true }
        return now >= next
    }

    /// Overdue by more than half of `every` (the status command's unhealthy threshold).
    public func isOverdue(at now: Int) -> Bool {
        guard let every else { return false }
        guard let lastSuccessAt else { return lastRunAt != nil }
        return now - lastSuccessAt > every + every / 2
    }

    /// Folds a finished rotation into the record: the stuck rule counts only a run that minted
    /// and then rolled back or needed attention; a success of any kind clears the count and stuck.
    public mutating func record(_ report: RunReport, playbook: Playbook, at now: Int) {
        describe(playbook)
        lastRunAt = now
        lastRun = report.run
        lastExitCode = report.exitCode
        lastError = report.error
        switch report.outcome {
        case .rotated:
            lastOutcome = .rotated
            lastSuccessAt = now
            failuresInRow = 0
            stuck = false
            drift = false
            tokenValid = true
            lastError = nil
            if let token = report.token {
                tokenLastEight = token.lastEight
                tokenName = token.name
            }
        case .rolledBack, .needsAttention:
            lastOutcome = report.outcome == .rolledBack ? Outcome.rolledBack : Outcome.needsAttention
            if Self.countsAsFailure(exitCode: report.exitCode) {
                failuresInRow += 1
                if failuresInRow >= maxFailures { stuck = true }
            }
        case .failed:
            lastOutcome = .failed
        }
    }

    /// A rotation that `recover` finished (the file held the run's token and it authenticated):
    /// a verified rotation like any other. Its token's last eight is not known here, so drift is
    /// not judged until the next rotation.
    public mutating func recordFinishedByRecover(run: String, at now: Int) {
        lastRun = run
        lastRunAt = now
        lastSuccessAt = now
        lastOutcome = .rotated
        lastExitCode = 0
        lastError = nil
        failuresInRow = 0
        stuck = false
        tokenValid = true
        tokenLastEight = nil
        tokenName = nil
        drift = false
    }

    /// 69 (server unreachable), 75 (busy, or stopped by a signal) never count towards stuck: an
    /// outage must not make a fleet stuck.
    public static func countsAsFailure(exitCode: Int32) -> Bool {
        exitCode != ExitStatus.unavailable.rawValue && exitCode != ExitStatus.busy.rawValue
    }

    public mutating func describe(_ playbook: Playbook) {
        self.playbook = playbook.sourcePath
        file = playbook.target.file
        persona = playbook.gitea.persona
        every = playbook.every
        maxFailures = playbook.maxFailures
    }
}
