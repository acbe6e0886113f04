import Foundation

/// `rekey run --dry-run`: validates the playbook, the env file, the vault entry and the state
/// directory, reaches the server (`GET /api/v1/version`), and describes what a run would do with a
/// redacted diff. Changes nothing: no backup, no journal, no token, no lock file.
public struct DryRun {
    public struct Plan: Sendable, Codable {
        public var consumer: String
        public var file: String
        public var key: String
        public var keyLine: Int
        public var previousLastEight: String?
        public var server: String
        public var serverVersion: String
        public var vaultEntry: String
        public var vaultUser: String
        public var tokenName: String
        public var scopes: [String]
        public var steps: [String]
        public var lines: [String]
    }

    public let playbook: Playbook
    public let state: StateDirectory
    public let sealer: Sealer
    public let gitea: any GiteaAPI
    public var now: @Sendable () -> Date = WallClock.now
    /// The steps a playbook may name (tests add their own).
    public var registry = StepRegistry.standard

    public init(playbook: Playbook, state: StateDirectory, sealer: Sealer, gitea: any GiteaAPI) {
        self.playbook = playbook
        self.state = state
        self.sealer = sealer
        self.gitea = gitea
    }

    public func plan() async throws -> Plan {
        let target = playbook.target
        let snapshot = try Preflight.inspect(playbook, file: ConsumerFile(path: playbook.target.file), vault: Vault(state: state, sealer: sealer))
        let line = snapshot.keyLine
        let entry = snapshot.entry
        let previousTail = snapshot.previousTail
        let version = try await gitea.version()
        let date = now()
        let run = "<run>"
        let name = playbook.tokenName(run: run, date: date)
        let comment = playbook.comment(tokenName: name, lastEight: "<new>", utc: date, run: run)
        let steps = playbook.steps.map(\.rawValue)

        var lines = ["plan for \(playbook.consumer) (dry run: nothing was changed)"]
        lines.append("✓ playbook  \(playbook.sourcePath) is valid; steps \(steps.joined(separator: ", "))")
        lines.append("✓ env file  \(target.file): \(target.key) on line \(line) holds \(previousTail)")
        lines.append("✓ vault     entry \(playbook.gitea.auth) (user \(entry.username))")
        lines.append("✓ gitea     \(playbook.gitea.url) answers, version \(version)")
        let input = PlanInput(playbook: playbook, stateRoot: state.root, keyLine: line, previousTail: previousTail,
                              tokenName: name, comment: comment)
        let services = StepServices(vault: Vault(state: state, sealer: sealer))
        for step in registry.steps(for: playbook.steps, services: services) {
            lines += step.plan(input)
        }
        return Plan(
            consumer: playbook.consumer, file: target.file, key: target.key, keyLine: line,
            previousLastEight: snapshot.previousLastEight, server: playbook.gitea.url,
            serverVersion: version, vaultEntry: playbook.gitea.auth, vaultUser: entry.username, tokenName: name,
            scopes: playbook.token.scopes, steps: steps, lines: lines
        )
    }
}

/// What a step's `plan` may use to say what it would do: the playbook and what validation found.
public struct PlanInput: Sendable {
    public var playbook: Playbook
    public var stateRoot: String
    public var keyLine: Int
    /// How the key's current value is shown (`…` plus its last eight, `(empty)`, or its length).
    public var previousTail: String
    public var tokenName: String
    public var comment: String
}
