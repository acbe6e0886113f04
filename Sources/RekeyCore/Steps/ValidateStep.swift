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

    public func perform(_ run: RunContext) async throws -> String {
        let snapshot = try Preflight.inspect(run.playbook, vault: vault)
        try snapshot.target.proveWritable()
        run.target = snapshot.target
        if let warning = snapshot.target.warning { run.logger.warning("\(warning)") }
        run.credential = snapshot.entry.credential
        run.original = snapshot.contents
        run.originalSHA256 = Digest.sha256Hex(snapshot.contents)
        run.document = snapshot.document
        run.previousLastEight = snapshot.previousLastEight

        var record = run.newRecord(.begin)
        record.sha256 = run.originalSHA256
        record.lastEight = run.previousLastEight
        record.login = run.playbook.probe?.login
        record.operation = "rotate"
        record.server = run.playbook.gitea.url
        record.persona = run.playbook.gitea.persona
        record.vaultEntry = run.playbook.gitea.auth
        record.key = run.playbook.target.key
        try run.journal.append(record)
        return snapshot.summary
    }
}

/// What validate and `--dry-run` both establish before anything changes.
public struct Preflight {
    public var contents: SecretBytes
    /// The env file, opened once; every later read and write of the run goes through it.
    public var target: TargetFile
    public var document: EnvDocument
    public var keyLine: Int
    public var previousLastEight: String?
    /// How the previous value is shown: `…` plus its last eight, `(empty)`, or only its length.
    public var previousTail: String
    public var entry: VaultEntry
    public var summary: String

    public static func inspect(_ playbook: Playbook, vault: Vault) throws -> Preflight {
        let target = playbook.target
        let file = try TargetFile.open(target.file)
        let contents = try file.read()
        let document = EnvDocument(contents: contents, path: target.file)
        let line = try document.keyLine(target.key)
        let previous = try document.value(of: target.key)
        let entry = try vault.load(playbook.gitea.auth)
        let tail = previous.isEmpty ? "(empty)" : previous.redactedTail
        var summary = "\(target.file): \(target.key) on line \(line) holds \(tail); vault entry \(playbook.gitea.auth) (user \(entry.username))"
        if let warning = file.warning { summary += "; warning: \(warning)" }
        return Preflight(contents: contents, target: file, document: document, keyLine: line, previousLastEight: previous.displayLastEight,
                         previousTail: tail, entry: entry, summary: summary)
    }
}

/// The env file cannot be read at all.
public struct EnvFileUnreadable: RekeyError {
    public var path: String
    public var reason: String
    public var exitStatus: ExitStatus { .badEnvFile }
    public var description: String { "cannot read env file \(path): \(reason); check target.file in the playbook" }
}
