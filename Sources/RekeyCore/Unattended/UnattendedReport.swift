/// What `rekey run --unattended` did, per consumer and in all; `--json` prints it as is (the
/// contract the Ansible module reads: Ansible's `changed`/`failed`/`msg`/`rc` at both levels).
public struct UnattendedReport: Codable, Sendable {
    public struct Token: Codable, Sendable, Equatable {
        public var name: String
        public var lastEight: String
    }

    public struct Consumer: Codable, Sendable {
        public var consumer: String
        public var playbook: String
        public var outcome: ConsumerStatus.Outcome
        public var changed: Bool
        public var failed: Bool
        public var msg: String
        public var rc: Int
        public var run: String?
        public var token: Token?
        public var drift: Bool
        /// The step that failed and the next command, for the stderr line (not in the JSON).
        public var step: String?
        public var next: String?

        enum CodingKeys: String, CodingKey {
            case consumer, playbook, outcome, changed, failed, msg, rc, run, token, drift
        }

        public init(consumer: String, playbook: String, outcome: ConsumerStatus.Outcome, msg: String, rc: ExitStatus,
                    step: String? = nil, next: String? = nil) {
            self.consumer = consumer
            self.playbook = playbook
            self.outcome = outcome
            self.changed = outcome == .rotated || outcome == .healed
            self.failed = rc != .ok
            self.msg = msg
            self.rc = Int(rc.rawValue)
            self.drift = false
            self.step = step
            self.next = next
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(consumer, forKey: .consumer)
            try container.encode(playbook, forKey: .playbook)
            try container.encode(outcome, forKey: .outcome)
            try container.encode(changed, forKey: .changed)
            try container.encode(failed, forKey: .failed)
            try container.encode(msg, forKey: .msg)
            try container.encode(rc, forKey: .rc)
            try container.encode(run, forKey: .run)  // null when there was no run
            try container.encode(token, forKey: .token)
            try container.encode(drift, forKey: .drift)
        }

        /// The one stderr line of a failure: consumer, step, cause, next command.
        public var line: String {
            "rekey: \(consumer): \(step ?? outcome.rawValue) failed (exit \(rc)): \(msg)" + (next.map { "; next: \($0)" } ?? "")
        }
    }

    public var changed: Bool
    public var failed: Bool
    public var msg: String
    public var rc: Int
    public var consumers: [Consumer]

    public init(consumers: [Consumer], interrupted: Bool) {
        self.consumers = consumers
        changed = consumers.contains { $0.changed }
        let worst = interrupted ? ExitStatus.busy : Self.worst(consumers.map(\.rc))
        rc = Int(worst.rawValue)
        failed = worst != .ok
        let count = { (outcome: ConsumerStatus.Outcome) in consumers.filter { $0.outcome == outcome }.count }
        var parts: [String] = []
        for outcome in [ConsumerStatus.Outcome.rotated, .healed, .notDue, .failed, .rolledBack, .needsAttention, .stuck, .busy, .skipped]
        where count(outcome) > 0 {
            parts.append("\(count(outcome)) \(outcome.rawValue)")
        }
        msg = (interrupted ? "stopped by a signal; " : "") + (parts.isEmpty ? "no consumers" : parts.joined(separator: ", "))
    }

    /// Exit codes from worst to least bad (README, "Reading the exit code"): a person must look
    /// (82, 81, 83), an internal error (70), a rotation that rolled back (80), something on this
    /// host to fix (65 env file, 78 playbook, 77 credentials, 73 state directory), the server
    /// (69), then busy or skipped (75: the next run retries), then 0.
    public static let severity: [ExitStatus] = {
        // 83 (a reload failed; the file restored) comes from the reload step once it is merged.
        let order: [ExitStatus?] = [
            .rollbackFailed, .probeFailedTokenLeft, ExitStatus(rawValue: 83), .software, .probeFailedRolledBack,
            .badEnvFile, .config, .noPermission, .cantCreate, .usage, .unavailable, .busy,
        ]
        return order.compactMap { $0 }
    }()

    public static func worst(_ codes: [Int]) -> ExitStatus {
        let present = Set(codes.filter { $0 != 0 })
        guard !present.isEmpty else { return .ok }
        for status in severity where present.contains(Int(status.rawValue)) { return status }
        return ExitStatus(rawValue: Int32(present.max()!)) ?? .software
    }
}
