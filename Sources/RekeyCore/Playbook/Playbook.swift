import Foundation

/// One rotation, as read from a playbook file: which Gitea, whose token, where it goes, how it is
/// proven. Playbooks/README.md is the format's reference; `load` and `parse` validate everything
/// before anything touches the world.
public struct Playbook: Sendable, Equatable {
    /// The path the playbook was read from (as given), used in messages.
    public var sourcePath: String
    /// The format version; only 1 exists.
    public var version: Int
    /// Names backups, journal entries and locks. `[A-Za-z0-9._-]{1,64}`.
    public var consumer: String
    public var gitea: Gitea
    public var token: TokenSpec
    public var target: Target
    /// How the new token is proven; required when `steps` contains `.probe`.
    public var probe: Probe?
    /// The steps to run, in canonical order (see `StepKind`).
    public var steps: [StepKind]
    /// How many sealed backups of the target file to keep (retention).
    public var keepBackups: Int
    /// Backups older than this are pruned (retention), in seconds.
    public var maxBackupAgeSeconds: Int
    /// `every`: seconds between unattended rotations; nil means always due (Playbook+Schedule.swift).
    public var every: Int? = nil
    /// `max_failures`: failed runs in a row after which the consumer is stuck (Playbook+Schedule.swift).
    public var maxFailures: Int = Playbook.defaultMaxFailures
    /// How the consumer is told about the new file (`Playbook+Reload.swift`); nil: it is not.
    public var reload: Reload? = nil
    /// `revoke_grace`, `revoke_quiet`, `revoke_without_usage_data` (Playbook+Revocation.swift).
    public var revocation = RevocationPolicy()
    /// How many run journals of this consumer to keep whole (`keep_runs`, see `Playbook+KeepRuns`).
    public var keepRuns = Playbook.defaultKeepRuns

    public struct Gitea: Sendable, Equatable {
        /// The server root, `${NAME}` expanded, without a trailing slash (the client adds `/api/v1`).
        public var url: String
        /// The user whose token is minted.
        public var persona: String
        /// The vault entry used for Basic auth when minting; defaults to `persona`. May be a site admin.
        public var auth: String
        /// `insecure_http: true`: plain http to a host that is not loopback is allowed (`GiteaServerPolicy`).
        public var insecureHTTP: Bool
        /// `ca_file`: a PEM certificate of a private CA, trusted in addition to the system's roots.
        public var caFile: String?
        /// Gitea 1.20+ scopes of the minted token, as written. A Gitea-only fact, so it lives in the
        /// Gitea section; the playbook keeps it under `token.scopes`, where it always was.
        public var scopes: [String]

        public init(url: String, persona: String, auth: String? = nil, insecureHTTP: Bool = false, caFile: String? = nil,
                    scopes: [String] = []) {
            self.url = url
            self.persona = persona
            self.auth = auth ?? persona
            self.insecureHTTP = insecureHTTP
            self.caFile = caFile
            self.scopes = scopes
        }
    }

    public struct TokenSpec: Sendable, Equatable {
        /// The token name with placeholders `{run}` (required) `{date}` `{consumer}` `{persona}`.
        public var nameTemplate: String

        public init(nameTemplate: String) {
            self.nameTemplate = nameTemplate
        }
    }

    public struct Target: Sendable, Equatable {
        /// Absolute path of the env file.
        public var file: String
        /// The variable whose value is the token.
        public var key: String
        /// The comment line written above the key, with placeholders `{token_name}` `{last8}` `{utc}`
        /// `{run}` `{consumer}` `{persona}`.
        public var commentTemplate: String

        public init(file: String, key: String, commentTemplate: String) {
            self.file = file
            self.key = key
            self.commentTemplate = commentTemplate
        }
    }

    public struct Probe: Sendable, Equatable {
        /// The login `GET /api/v1/user` must answer with.
        public var login: String

        public init(login: String) { self.login = login }
    }

    /// Every registered step except the opt-in ones, which their own playbook key turns on.
    public static let defaultSteps = StepKind.allCases.filter { StepRegistry.standard.entry($0.rawValue)?.optIn != true }
    public static let defaultKeepBackups = 20
    public static let defaultMaxBackupAgeSeconds = 90 * 86_400

    public init(sourcePath: String, version: Int = 1, consumer: String, gitea: Gitea, token: TokenSpec,
                target: Target, probe: Probe?, steps: [StepKind] = Playbook.defaultSteps,
                keepBackups: Int = Playbook.defaultKeepBackups,
                maxBackupAgeSeconds: Int = Playbook.defaultMaxBackupAgeSeconds) {
        self.sourcePath = sourcePath
        self.version = version
        self.consumer = consumer
        self.gitea = gitea
        self.token = token
        self.target = target
        self.probe = probe
        self.steps = steps
        self.keepBackups = keepBackups
        self.maxBackupAgeSeconds = maxBackupAgeSeconds
    }
}
