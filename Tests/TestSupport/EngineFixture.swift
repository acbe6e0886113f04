import Foundation
import Logging
import RekeyCore

/// A complete, real-disk setting for one rotation: a temp state directory with a fresh master key
/// and vault entry, an operator-style env file, and a playbook pointing at it.
public final class EngineFixture: @unchecked Sendable {
    public let directory = TempDirectory("rekey-engine")
    public let state: StateDirectory
    public let sealer: Sealer
    public let envPath: String
    public let playbook: Playbook
    public let oldToken = "0123456789abcdef0123456789abcdef1a2b3c4d"
    public let password = "fixture-password-\(UUID().uuidString)"

    public static let envText = """
    # credentials for ops jobs
    GITEA_URL=https://gitea.example
    # ops-automation PAT initial
    GITEA_TOKEN=0123456789abcdef0123456789abcdef1a2b3c4d
    DEPLOY_USER=ops

    """

    public init(steps: [StepKind] = Playbook.defaultSteps, keepBackups: Int = Playbook.defaultKeepBackups) throws {
        state = StateDirectory(root: directory.file("state"))
        try state.prepare()
        sealer = Sealer(key: MasterKey.generate())
        envPath = try directory.write("all-credentials.env", Self.envText)
        try Vault(state: state, sealer: sealer).store(
            VaultEntry(username: "ops-automation", password: SecretBytes(utf8: password), totpSeed: nil), name: "ops-automation")
        playbook = Playbook(
            sourcePath: "fixture.yml", consumer: "fixture-host",
            gitea: .init(url: "http://gitea.invalid", persona: "ops-automation", scopes: ["write:repository", "read:user"]),
            token: .init(nameTemplate: "ops-automation-{run}"),
            target: .init(file: envPath, key: "GITEA_TOKEN", commentTemplate: "# ops-automation PAT {token_name} (…{last8}) rotated {utc} by rekey run {run}"),
            probe: .init(login: "ops-automation"), steps: steps, keepBackups: keepBackups)
    }

    public var envBytes: [UInt8] { (try? directory.bytes("all-credentials.env")) ?? [] }

    public func context(gitea: any GiteaAPI) -> RunContext {
        let run = RunID.make(at: Date())
        return RunContext(playbook: playbook, run: run, startedAt: Date(), gitea: gitea, state: state, sealer: sealer,
                          journal: Journal(state: state, run: run, sealer: sealer), logger: Logger(label: "test"))
    }

    public func rotation(gitea: any GiteaAPI) -> Rotation {
        Rotation(playbook: playbook, state: state, sealer: sealer, gitea: gitea, logger: Logger(label: "test"))
    }
}
