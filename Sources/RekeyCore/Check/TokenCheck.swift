import Foundation

/// What the server says of one token found in an env file: a row of `rekey check`.
public struct CheckRow: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case ok = "ok"
        case rejected = "rejected (401)"
        case noReadUser = "no read:user (403)"
        case accountDisabled = "account disabled (403)"
        case otherPersona = "other persona than its playbook"
        case unreachable = "unreachable"

        /// Whether the token authenticates: the value of `rekey_check_token_valid`; nil when the
        /// server could not be asked.
        public var valid: Bool? {
            switch self {
            case .ok, .noReadUser, .otherPersona: true
            case .rejected, .accountDisabled: false
            case .unreachable: nil
            }
        }

        /// A consumer holding this token is broken (the exit status 1 of `check`).
        public var isBroken: Bool { valid == false }
    }

    public var file: String
    public var line: Int
    public var variable: String
    public var lastEight: String
    /// The login the token authenticates as, when the server told.
    public var login: String?
    /// The token's id and name on the server, where it tells them (`GET /api/v1/token`).
    public var tokenID: Int?
    public var tokenName: String?
    public var scopes: [String]?
    /// UTC, ISO 8601, where the server tells it.
    public var lastUsedAt: String?
    public var status: Status
    /// The consumer and persona of the playbook that names this file and variable, if any.
    public var playbookConsumer: String?
    public var playbookPersona: String?
    /// Why the server could not be asked, or what it answered (one line, no secret).
    public var detail: String?
}

/// The persona a playbook expects in a file's variable.
public struct PlaybookBinding: Sendable, Equatable {
    public var consumer: String
    public var persona: String
    public var file: String
    public var key: String

    public init(consumer: String, persona: String, file: String, key: String) {
        self.consumer = consumer
        self.persona = persona
        self.file = file
        self.key = key
    }

    public init(_ playbook: Playbook) {
        self.init(consumer: playbook.consumer, persona: playbook.gitea.persona, file: playbook.target.file, key: playbook.target.key)
    }
}

/// `rekey check`: asks the server who each token is, `GET /api/v1/token` where the server has it
/// (no scope needed; id, name, scopes, last use), else `GET /api/v1/user`.
///
/// Statuses: 401 is `rejected`; a 403 that names a disabled account (or one that must change its
/// password) is `account disabled`, any other 403 on `/user` a missing `read:user` (with `/token`,
/// a token whose scopes lack it); a login other than the persona of the playbook naming that file
/// and variable is `other persona`; no answer, a 5xx or an answer that is not Gitea's is
/// `unreachable`.
public struct TokenCheck: Sendable {
    public var client: any GiteaAPI
    public var bindings: [PlaybookBinding]

    public init(client: any GiteaAPI, bindings: [PlaybookBinding] = []) {
        self.client = client
        self.bindings = bindings
    }

    /// How many tokens are asked about at once.
    public static let parallelism = 8

    /// One row per token, in the order found; at most `parallelism` requests in flight.
    public func check(_ found: [FoundToken]) async -> [CheckRow] {
        await withTaskGroup(of: (Int, CheckRow).self) { group in
            var rows = [CheckRow?](repeating: nil, count: found.count)
            var next = 0
            func start() {
                guard next < found.count else { return }
                let index = next
                next += 1
                group.addTask { (index, await check(found[index])) }
            }
            for _ in 0..<Self.parallelism { start() }
            while let (index, row) = await group.next() {
                rows[index] = row
                start()
            }
            return rows.compactMap { $0 }
        }
    }

    public func check(_ token: FoundToken) async -> CheckRow {
        let binding = binding(file: token.file, key: token.variable)
        var row = CheckRow(file: PrintableText.escaped(token.file), line: token.line, variable: token.variable,
                           lastEight: token.lastEight, status: .ok,
                           playbookConsumer: binding?.consumer, playbookPersona: binding?.persona)
        do throws(GiteaError) {
            if let me = try await client.currentToken(token.value) {
                row.login = me.login
                row.tokenID = me.info.id
                row.tokenName = me.info.name
                row.scopes = me.info.scopes
                row.lastUsedAt = me.info.lastUsedAt.map(UTCFormat.iso)
                if !GiteaScopes.grantsReadUser(me.info.scopes) { row.status = .noReadUser }
            } else {
                row.login = try await client.login(of: token.value)
            }
        } catch {
            row.status = switch error.status {
            case 401: .rejected
            case 403: error.isAccountProhibited ? .accountDisabled : .noReadUser
            default: .unreachable
            }
            row.detail = error.description
        }
        if let login = row.login, let binding, login != binding.persona {
            row.status = .otherPersona
        }
        return row
    }

    private func binding(file: String, key: String) -> PlaybookBinding? {
        let canonical = TokenScan.canonicalPath(file)
        return bindings.first { $0.key == key && TokenScan.canonicalPath($0.file) == canonical }
    }
}

/// The summary of a check: what `check` exits with and whether `--unattended` stays silent.
public struct CheckVerdict: Sendable, Equatable {
    public var rows: [CheckRow]
    public var problems: [ScanProblem]

    public init(rows: [CheckRow], problems: [ScanProblem]) {
        self.rows = rows
        self.problems = problems
    }

    /// Nothing to say: every token authenticates as its playbook expects (a token without
    /// `read:user` is information, not trouble) and every file could be read.
    public var isWell: Bool {
        problems.isEmpty && rows.allSatisfy { $0.status == .ok || $0.status == .noReadUser }
    }

    /// 1 when a token is rejected or its account disabled; else 69 when the server could not be
    /// asked about one; else 65 when a file or `--key` could not be read; else 0.
    public var exitStatus: ExitStatus {
        if rows.contains(where: \.status.isBroken) { return .unhealthy }
        if rows.contains(where: { $0.status == .unreachable }) { return .unavailable }
        if !problems.isEmpty { return .badEnvFile }
        return .ok
    }
}
