/// What a step did or undid, as data. The core builds no sentence from it: the executable renders
/// it (`RekeyText.StepText`) as the line people read and as `--json`'s `detail`. Identifiers, hashes
/// and last-eight tails only, never a secret.
public enum StepDetail: Sendable, Equatable {
    /// validate: the key's line and how its value is shown, the vault entry and its user, and a
    /// warning about the file (readable by others) when there is one.
    case validated(file: String, key: String, line: Int, value: String, vaultEntry: String, user: String, warning: String?)
    /// backup: the file's bytes sealed into `backup`; `escrowKeyID`: also escrowed to that recovery key.
    case backedUp(bytes: Int, sha256: String, backup: String, escrowKeyID: String?)
    /// mint: the new token (with the scopes the server granted) and the persona it belongs to.
    case minted(TokenInfo, persona: String)
    /// rewrite: the key now holds the new token.
    case rewritten(key: String, previousLastEight: String?, newLastEight: String, file: String, sha256: String)
    /// probe: the new token authenticates as `login`.
    case probed(lastEight: String, login: String)
    /// reload: the commands run, each exited 0 (`role` is `reload` or `verify`).
    case reloaded([Command])
    /// reload without a `reload:` section in the playbook.
    case noReload
    /// reload, when the file kept its bytes.
    case reloadNotNeeded(file: String)
    /// rewrite's compensation, when the file already held its original bytes.
    case fileAlreadyOriginal(file: String)
    /// rewrite's compensation: the original bytes are back, their hash checked.
    case fileRestored(file: String, sha256: String)
    /// A failed reload's compensation: the file restored (`restore`; nil when it was never
    /// rewritten), then the consumer reloaded with the original bytes by `command` (nil: the reload
    /// had never started, so the consumer was never told of the new token).
    indirect case restoredAndReloaded(restore: StepDetail?, file: String, command: String?)
    /// mint's compensation: the run's token deleted, found gone, or none by its name.
    case tokenDeletion(TokenDeletion)
    /// A rollback step's finding (`Rollback.Action`, rendered as `rekey rollback` prints it).
    case rollback(Rollback.Action)
    /// Retention after a successful run (the `prune` line).
    case pruned(Retention.Pruned)
    /// The words of a step that has no typed detail (revoke-previous, steps added outside rekey);
    /// the same words it journals.
    case said(String)
    /// A failed step or compensation: the error's one-line description (vetted for secrets).
    case failure(String)

    /// A command a step ran, shown as its argv joined (the playbook's own words, never a token).
    public struct Command: Sendable, Equatable {
        public var role: String
        public var argv: String

        public init(role: String, argv: String) {
            self.role = role
            self.argv = argv
        }
    }

    /// A short, stable tag of what happened, for journal records (`compensated`): data, not a sentence.
    public var tag: String {
        switch self {
        case .validated: "validated"
        case .backedUp: "backed-up"
        case .minted: "minted"
        case .rewritten: "rewritten"
        case .probed: "probed"
        case .reloaded: "reloaded"
        case .noReload: "no-reload"
        case .reloadNotNeeded: "reload-not-needed"
        case .fileAlreadyOriginal: "file-already-original"
        case .fileRestored: "file-restored"
        case .restoredAndReloaded(_, _, let command): command == nil ? "file-restored-reload-never-started" : "file-restored-reloaded"
        case .tokenDeletion(let deletion): deletion.tag
        case .rollback: "rollback"
        case .pruned: "pruned"
        case .said(let words): words
        case .failure(let reason): reason
        }
    }
}
