/// One thing `rekey audit` says about a token or a consumer.
public struct AuditFinding: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// Scope `all` or `write:admin`: the widest blast radius.
        case allOrAdmin = "scope-all-or-admin"
        /// `write:user`: used as a Basic password, the token can mint further tokens.
        case writeUser = "write-user"
        /// More than the owning playbook's `token.scopes` request.
        case widerThanPlaybook = "wider-than-playbook"
        /// No known consumer holds it: a revocation candidate.
        case unheld = "unheld"
        /// Not used in `--unused-days` days.
        case unused = "unused"
        /// Older than the owning playbook's `every` allows.
        case olderThanEvery = "older-than-every"
        /// Held by a consumer whose playbook names another persona, or a consumer whose token is
        /// not one of its playbook's persona.
        case personaDrift = "persona-drift"
    }

    public var kind: Kind
    /// One line for people: identifiers, scopes and times only.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// A token of the persona as `audit` shows it: never its value.
public struct AuditedToken: Sendable, Codable, Equatable {
    public var id: Int
    public var name: String
    public var lastEight: String
    public var scopes: [String]
    /// UTC, ISO 8601; nil when the server does not list it (before 1.24).
    public var createdAt: String?
    public var lastUsedAt: String?
    public var holders: [TokenHolder]
    public var findings: [AuditFinding]
}

/// A consumer of the audited persona's playbooks whose file holds no token of that persona.
public struct ConsumerFinding: Sendable, Codable, Equatable {
    public var consumer: String
    public var file: String
    public var key: String
    public var lastEight: String
    public var finding: AuditFinding
}

/// What `rekey audit` found.
public struct AuditReport: Sendable, Codable, Equatable {
    public var persona: String
    public var server: String
    /// Whether the server lists `created_at` and `last_used_at` (Gitea 1.24 and later).
    public var usageData: Bool
    public var unusedDays: Int
    public var tokens: [AuditedToken]
    public var consumers: [ConsumerFinding]
    /// Playbooks, files or keys that could not be read: their holdings are unknown.
    public var problems: [ScanProblem]

    public var findingCount: Int { tokens.reduce(0) { $0 + $1.findings.count } + consumers.count }
}
