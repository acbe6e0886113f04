import Foundation

/// Reads everything the run depends on and changes nothing: the env file (the key present exactly
/// once, opened through `TargetFile` and refused when unsafe), the vault credential, and a writable
/// state directory. It proves that the env file's directory takes a temp file, so that a directory
/// rekey cannot write stops the run before anything is minted. Journals `begin`.
public struct ValidateStep: Step {
    public static let stepName = "validate"
    public var name: String { Self.stepName }
    public let vault: Vault

    public init(vault: Vault) { self.vault = vault }

    public func perform(_ run: RunContext) async throws -> StepResult {
        let snapshot = try Preflight.inspect(run.playbook, file: run.target, vault: vault)
        try run.target.proveWritable()
        if let warning = run.target.warning { run.warn("\(warning)", step: name) }
        run.credential = snapshot.entry
        run.original = snapshot.contents
        run.document = snapshot.document
        run.facts.fileBefore = Digest.sha256Hex(snapshot.contents)
        run.facts.previousLastEight = snapshot.previousLastEight

        let playbook = run.playbook
        try run.record(.begin(.init(operation: .rotate, file: playbook.target.file, fileSHA256: run.facts.fileBefore,
                                    key: playbook.target.key, server: playbook.gitea.url, persona: playbook.gitea.persona,
                                    vaultEntry: playbook.gitea.auth, login: playbook.probe?.login,
                                    previousLastEight: run.facts.previousLastEight)))
        return StepResult(snapshot.detail)
    }
}

/// What validate and `--dry-run` both establish before anything changes.
public struct Preflight {
    public var contents: SecretBytes
    public var document: EnvDocument
    public var keyLine: Int
    public var previousLastEight: String?
    /// How the previous value is shown: `…` plus its last eight, `(empty)`, or only its length.
    public var previousTail: String
    public var entry: VaultEntry
    /// What validate reports (`StepDetail.validated`).
    public var detail: StepDetail

    public static func inspect(_ playbook: Playbook, file: ConsumerFile, vault: Vault) throws -> Preflight {
        let target = playbook.target
        try file.open()
        let contents = try file.read()
        let document = EnvDocument(contents: contents, path: target.file)
        let line = try document.keyLine(target.key)
        let previous = try document.value(of: target.key)
        let entry = try vault.load(playbook.gitea.auth)
        let tail = previous.isEmpty ? "(empty)" : previous.redactedTail
        let detail = StepDetail.validated(file: target.file, key: target.key, line: line, value: tail, vaultEntry: playbook.gitea.auth,
                                          user: entry.username, warning: file.warning.map { "\($0)" })
        return Preflight(contents: contents, document: document, keyLine: line, previousLastEight: previous.displayLastEight,
                         previousTail: tail, entry: entry, detail: detail)
    }
}

/// The env file cannot be read at all.
public struct EnvFileUnreadable: RekeyError {
    public var path: String
    public var reason: String
    public var exitStatus: ExitStatus { .badEnvFile }
    public var description: String { "cannot read env file \(path): \(reason); check target.file in the playbook" }
}
