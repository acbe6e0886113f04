import Foundation

/// `rekey run --dry-run`: validates the playbook, the env file, the vault entry and the state
/// directory, reaches the server (`GET /api/v1/version`), and describes what a run would do with a
/// redacted diff. Changes nothing: no backup, no journal, no token, no lock file.
public struct DryRun {
    /// What a dry run found and what the steps would do. Its encoding holds the fields; the
    /// executable renders `items` (as lines, and as `lines` in `--json`).
    public struct Plan: Sendable, Encodable {
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
        public var items: [PlanItem]

        enum CodingKeys: String, CodingKey {
            case consumer, file, key, keyLine, previousLastEight, server, serverVersion, vaultEntry, vaultUser, tokenName, scopes, steps
        }
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
        let provider = GiteaProvider(api: gitea, persona: playbook.gitea.persona, scopes: playbook.gitea.scopes)
        let version = try await provider.version()
        let date = now()
        let run = "<run>"
        let name = playbook.tokenName(run: run, date: date)
        let comment = playbook.comment(tokenName: name, lastEight: "<new>", utc: date, run: run)
        let steps = playbook.steps.map(\.rawValue)

        var items: [PlanItem] = [
            .header(consumer: playbook.consumer),
            .playbook(path: playbook.sourcePath, steps: steps),
            .envFile(file: target.file, key: target.key, line: line, value: previousTail),
            .vault(entry: playbook.gitea.auth, user: entry.username),
            .server(url: playbook.gitea.url, version: version),
        ]
        let input = PlanInput(playbook: playbook, stateRoot: state.root, keyLine: line, previousTail: previousTail,
                              tokenName: name, comment: comment)
        let services = StepServices(vault: Vault(state: state, sealer: sealer))
        for step in registry.steps(for: playbook.steps, services: services) {
            items += step.plan(input)
        }
        return Plan(
            consumer: playbook.consumer, file: target.file, key: target.key, keyLine: line,
            previousLastEight: snapshot.previousLastEight, server: playbook.gitea.url,
            serverVersion: version, vaultEntry: playbook.gitea.auth, vaultUser: entry.username, tokenName: name,
            scopes: playbook.gitea.scopes, steps: steps, items: items
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

/// One thing a dry run found or a step would do, as data; the executable renders each as lines
/// (`RekeyText.PlanText`).
public enum PlanItem: Sendable, Equatable {
    case header(consumer: String)
    case playbook(path: String, steps: [String])
    case envFile(file: String, key: String, line: Int, value: String)
    case vault(entry: String, user: String)
    case server(url: String, version: String)
    /// backup: where the sealed copy would go (`<epoch>` unknown yet).
    case backup(path: String)
    case mint(tokenName: String, persona: String, scopes: [String])
    /// rewrite: the key's shown value, its line, and the comment that would go above it.
    case rewrite(key: String, value: String, line: Int, comment: String)
    case probe(login: String)
    case reload(command: String, verify: String?, timeoutSeconds: Int)
    case revokePrevious(graceSeconds: Int)
    /// A step without items of its own (steps added outside rekey): its name and its words.
    case step(name: String, text: String)
}
