import Foundation
import Yams

/// Builds a `Playbook` from the composed document, validating every field (Playbooks/README.md).
/// Throws at the first problem, positioned at the offending node.
struct PlaybookParser {
    let reader: PlaybookReader

    static let topKeys = ["version", "consumer", "gitea", "token", "target", "probe", "steps", "keep_backups", "max_backup_age"] + Self.scheduleKeys + ["reload"] + RevocationPolicy.keys + ["keep_runs"]
    static let giteaKeys = ["url", "persona", "auth", "insecure_http", "ca_file"]
    static let tokenKeys = ["name", "scopes"]
    static let targetKeys = ["file", "key", "comment"]
    static let probeKeys = ["login"]
    /// Longest token name Gitea stores.
    static let maxTokenNameLength = 255
    /// The longest run id a token name must leave room for.
    static let worstCaseRunID = String(repeating: "r", count: 32)

    func playbook(from root: Node) throws(PlaybookError) -> Playbook {
        let top = try reader.section(root, name: nil, allowed: Self.topKeys)

        let versionNode = try reader.required(top, "version", hint: "1")
        let version = try reader.integer(versionNode, key: "version", example: "1")
        guard version == 1 else {
            throw reader.error(at: versionNode, "unsupported version \(version)", "this rekey reads version: 1")
        }

        let consumer = try name(reader.required(top, "consumer", hint: "<a name for the host and file, e.g. demo-host>"),
                                key: "consumer")

        let giteaSection = try reader.section(reader.required(top, "gitea", hint: "a mapping with url and persona"),
                                              name: "gitea", allowed: Self.giteaKeys)
        let url = try serverURL(reader.required(giteaSection, "url", hint: "https://gitea.example.org"))
        let persona = try name(reader.required(giteaSection, "persona", hint: "<the user whose token is minted>"),
                               key: "gitea.persona")
        var auth = persona
        if let authNode = giteaSection["auth"] { auth = try name(authNode, key: "gitea.auth") }
        let insecureHTTP = try giteaSection["insecure_http"].map { node throws(PlaybookError) in try flag(node, key: "gitea.insecure_http") } ?? false
        let caFile = try giteaSection["ca_file"].map { node throws(PlaybookError) in try absolutePath(node, key: "gitea.ca_file") }

        let tokenSection = try reader.section(reader.required(top, "token", hint: "a mapping with name and scopes"),
                                              name: "token", allowed: Self.tokenKeys)
        let nameNode = try reader.required(tokenSection, "name", hint: "\"\(consumer)-{run}\"")
        let nameTemplate = try template(nameNode, key: "token.name", allowed: Playbook.tokenNamePlaceholders)
        let scopesNode = try reader.required(tokenSection, "scopes", hint: "[read:repository, read:user]")
        let scopes = try self.scopes(scopesNode)

        let targetSection = try reader.section(reader.required(top, "target", hint: "a mapping with file, key and comment"),
                                               name: "target", allowed: Self.targetKeys)
        let file = try targetFile(reader.required(targetSection, "file", hint: "/etc/app/credentials.env"))
        let key = try envKey(reader.required(targetSection, "key", hint: "GITEA_TOKEN"))
        let commentNode = try reader.required(targetSection, "comment", hint: "\"# token {token_name} (…{last8}) rotated {utc}\"")
        let commentTemplate = try comment(commentNode)

        var steps = Playbook.defaultSteps
        if let stepsNode = top["steps"] { steps = try self.steps(stepsNode) }
        let reload = try top["reload"].map { node throws(PlaybookError) in try self.reload(node) }
        steps = try self.steps(steps, reconciledWith: reload, stepsNode: top["steps"], reloadNode: top["reload"])

        var probe: Playbook.Probe?
        if let probeNode = top["probe"] {
            let probeSection = try reader.section(probeNode, name: "probe", allowed: Self.probeKeys)
            let login = try name(reader.required(probeSection, "login", hint: "<the login GET /api/v1/user must answer>"),
                                 key: "probe.login")
            probe = Playbook.Probe(login: login)
        }

        var keepBackups = Playbook.defaultKeepBackups
        if let keepNode = top["keep_backups"] { keepBackups = try self.keepBackups(keepNode) }
        var maxAge = Playbook.defaultMaxBackupAgeSeconds
        if let ageNode = top["max_backup_age"] { maxAge = try backupAge(ageNode) }

        var playbook = Playbook(
            sourcePath: reader.file, version: version, consumer: consumer,
            gitea: .init(url: url, persona: persona, auth: auth, insecureHTTP: insecureHTTP, caFile: caFile, scopes: scopes),
            token: .init(nameTemplate: nameTemplate),
            target: .init(file: file, key: key, commentTemplate: commentTemplate),
            probe: probe, steps: steps, keepBackups: keepBackups, maxBackupAgeSeconds: maxAge)
        (playbook.every, playbook.maxFailures) = try schedule(top)
        playbook.reload = reload
        playbook.revocation = try revocationPolicy(top)

        if steps.contains(.probe) {
            guard probe != nil else {
                throw reader.error(at: top["steps"] ?? root, "steps include probe but probe.login is missing",
                                   "add probe: with login: <the login GET /api/v1/user must answer>")
            }
            guard GiteaScopes.grantsReadUser(scopes) else {
                throw reader.error(at: scopesNode, "the probe calls GET /api/v1/user, which needs read:user, and token.scopes lacks it",
                                   "add read:user to token.scopes")
            }
        }
        let longest = playbook.tokenName(run: Self.worstCaseRunID, date: Date(timeIntervalSince1970: 0))
        guard longest.count <= Self.maxTokenNameLength else {
            throw reader.error(at: nameNode, "token.name renders to \(longest.count) characters with a 32-character run id, more than gitea's \(Self.maxTokenNameLength)",
                               "shorten token.name")
        }
        if let node = top["keep_runs"] { playbook.keepRuns = try keepRuns(node) }
        return playbook
    }

    // MARK: Fields

    /// A consumer, persona, vault entry or login: the state directory's name rule (`SafeName`).
    private func name(_ node: Node, key: String) throws(PlaybookError) -> String {
        let value = try reader.string(node, key: key).value
        guard SafeName.isValid(value) else {
            throw reader.error(at: node, "\(key) \(PlaybookError.show(value)) is not a valid name",
                               "use 1 to 64 letters, digits, '.', '_' or '-' (not only dots)")
        }
        return value
    }

    private func serverURL(_ node: Node) throws(PlaybookError) -> String {
        let value = try reader.string(node, key: "gitea.url").value
        // A url may carry a password (`https://user:pw@host`): messages show it without its userinfo.
        let shown = PlaybookError.show(Self.withoutUserinfo(value))
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty else {
            throw reader.error(at: node, "gitea.url \(shown) is not an http or https url with a host",
                               "write the server root, e.g. https://gitea.example.org")
        }
        guard components.user == nil, components.password == nil else {
            throw reader.error(at: node, "gitea.url carries a user name or password",
                               "remove it from the url; mint credentials live in the vault (gitea.auth)")
        }
        guard components.query == nil, components.fragment == nil else {
            throw reader.error(at: node, "gitea.url \(shown) has a query or fragment", "write the server root, e.g. https://gitea.example.org")
        }
        var trimmed = value
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard !trimmed.lowercased().hasSuffix("/api/v1") else {
            throw reader.error(at: node, "gitea.url \(shown) ends in /api/v1", "write the server root; rekey adds /api/v1 itself")
        }
        return trimmed
    }

    /// `value` with anything between `scheme://` and the last `@` before the path removed, so a
    /// password written into a url never reaches an error message.
    static func withoutUserinfo(_ value: String) -> String {
        guard let schemeEnd = value.range(of: "://") else {
            return value.contains("@") ? "<a url with '@' in it>" : value
        }
        let rest = value[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else {
            // An '@' after the authority (or a '#' breaking parsing) may still hide credentials.
            return rest.contains("@") ? String(value[..<schemeEnd.upperBound]) + "<redacted>" : value
        }
        return String(value[..<schemeEnd.upperBound]) + "…@" + rest[rest.index(after: at)...]
    }

    /// A template string: one line, only `allowed` placeholders, and for token.name, `{run}`.
    private func template(_ node: Node, key: String, allowed: [String]) throws(PlaybookError) -> String {
        let value = try reader.string(node, key: key).value
        guard !value.contains(where: \.isNewline) else {
            throw reader.error(at: node, "\(key) spans more than one line", "write it on a single line")
        }
        // What a template renders lands in the env file and on terminals: printable characters only.
        if let bad = PrintableText.firstUnsafe(in: value) {
            throw reader.error(at: node, "\(key) contains the control or bidi character \(PrintableText.escaped(String(bad)))",
                               "remove it; templates may hold printable characters only")
        }
        let placeholders = Template(value).placeholders
        let list = allowed.map { "{\($0)}" }.joined(separator: " ")
        if let unknown = placeholders.first(where: { !allowed.contains($0) }) {
            throw reader.error(at: node, "\(key) uses unknown placeholder {\(unknown)}", "use only \(list)")
        }
        if key == "token.name", !placeholders.contains("run") {
            throw reader.error(at: node, "token.name \(PlaybookError.show(value)) lacks {run}",
                               "add {run}: gitea refuses a reused name, so every run needs a unique one")
        }
        return value
    }

    private func comment(_ node: Node) throws(PlaybookError) -> String {
        let value = try template(node, key: "target.comment", allowed: Playbook.commentPlaceholders)
        guard value.hasPrefix("#") else {
            throw reader.error(at: node, "target.comment \(PlaybookError.show(value)) does not start with #",
                               "start it with \"# \" so the env file keeps a comment line (quote it in yaml)")
        }
        return value
    }

    private func scopes(_ node: Node) throws(PlaybookError) -> [String] {
        let items = try reader.stringList(node, key: "token.scopes", example: "[read:repository, read:user]")
        guard !items.isEmpty else {
            throw reader.error(at: node, "token.scopes is empty", "list at least one scope, e.g. [read:repository, read:user]")
        }
        for item in items where !GiteaScopes.valid.contains(item.value) {
            let shown = PlaybookError.show(item.value)
            if let modern = GiteaScopes.modernReplacement(for: item.value) {
                throw reader.error(at: item.node, "scope \(shown) is a pre-1.20 gitea scope name, which gitea 1.20+ rejects",
                                   "use \(modern) instead")
            }
            let hint = GiteaScopes.suggestion(for: item.value).map { "did you mean \($0)? " } ?? ""
            throw reader.error(at: item.node, "unknown scope \(shown)",
                               "\(hint)valid scopes are all, public-only, read:X and write:X for X in \(GiteaScopes.categories.joined(separator: ", "))")
        }
        return items.map(\.value)
    }

    private func targetFile(_ node: Node) throws(PlaybookError) -> String {
        let value = try reader.string(node, key: "target.file").value
        guard value.hasPrefix("/") else {
            throw reader.error(at: node, "target.file \(PlaybookError.show(value)) is not an absolute path", "start it with /")
        }
        guard !value.hasSuffix("/"), !value.contains(where: \.isNewline), !value.unicodeScalars.contains("\0") else {
            throw reader.error(at: node, "target.file \(PlaybookError.show(value)) is not a file path", "give the path of the env file")
        }
        return value
    }

    /// `true` or `false`, as YAML writes a boolean.
    func flag(_ node: Node, key: String) throws(PlaybookError) -> Bool {
        guard case .scalar(let scalar) = node, PlaybookReader.tag(of: node) == .bool, let value = PlainScalarTag.boolean(scalar.string) else {
            throw reader.error(at: node, "\(key) must be true or false, not \(PlaybookReader.kind(of: node))", "write \(key.split(separator: ".").last!): true")
        }
        return value
    }

    private func absolutePath(_ node: Node, key: String) throws(PlaybookError) -> String {
        let value = try reader.string(node, key: key).value
        guard value.hasPrefix("/"), !value.contains(where: \.isNewline), !value.unicodeScalars.contains("\0") else {
            throw reader.error(at: node, "\(key) \(PlaybookError.show(value)) is not an absolute path", "start it with /")
        }
        return value
    }

    private func envKey(_ node: Node) throws(PlaybookError) -> String {
        let value = try reader.string(node, key: "target.key").value
        guard EnvironmentExpansion.isVariableName(value) else {
            throw reader.error(at: node, "target.key \(PlaybookError.show(value)) is not a variable name",
                               "use letters, digits and _, not starting with a digit, e.g. GITEA_TOKEN")
        }
        return value
    }

    private func steps(_ node: Node) throws(PlaybookError) -> [StepKind] {
        let example = "[" + Playbook.defaultSteps.map(\.rawValue).joined(separator: ", ") + "]"
        let items = try reader.stringList(node, key: "steps", example: example)
        guard !items.isEmpty else {
            throw reader.error(at: node, "steps is empty", "list steps, e.g. \(example), or remove steps: for that default")
        }
        var steps: [StepKind] = []
        for item in items {
            guard let step = StepKind(rawValue: item.value) else {
                throw reader.error(at: item.node, "unknown step \(PlaybookError.show(item.value))",
                                   "known steps are \(StepKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard !steps.contains(step) else {
                throw reader.error(at: item.node, "step \(step.rawValue) is listed twice", "list each step once")
            }
            if let later = steps.first(where: { Self.rank(of: $0) > Self.rank(of: step) }) {
                throw reader.error(at: item.node, "step \(step.rawValue) is listed after \(later.rawValue)",
                                   "list steps in the order they run: \(example)")
            }
            steps.append(step)
        }
        // Each step names the steps it needs (`StepRegistry`): a token minted but never written
        // anywhere would be orphaned, a run that mints nothing rotates nothing, and a rewrite needs
        // its backup. Later steps are checked first, so the message names the step that was listed.
        for entry in StepRegistry.standard.entries.reversed() {
            guard let step = StepKind(rawValue: entry.name), let index = steps.firstIndex(of: step) else { continue }
            if let missing = entry.requires.compactMap(StepKind.init(rawValue:)).first(where: { !steps.contains($0) }) {
                let relation = Self.rank(of: missing) < Self.rank(of: step) ? "before" : "after"
                throw reader.error(at: items[index].node, "step \(step.rawValue) needs \(missing.rawValue) \(relation) it",
                                   "add \(missing.rawValue) to steps")
            }
        }
        return steps
    }

    private func keepBackups(_ node: Node) throws(PlaybookError) -> Int {
        let value = try reader.integer(node, key: "keep_backups", example: "20")
        guard value >= 1 else {
            throw reader.error(at: node, "keep_backups is \(value), but at least one backup must be kept", "use 1 or more")
        }
        return value
    }

    /// `Nd` (days) or `Nh` (hours), N at least 1.
    private func backupAge(_ node: Node) throws(PlaybookError) -> Int {
        var text = ""
        if case .scalar = node, PlaybookReader.tag(of: node) != .null {
            text = try reader.string(node, key: "max_backup_age").value
        }
        let unit = text.last
        let digits = text.dropLast()
        guard unit == "d" || unit == "h", !digits.isEmpty, digits.count <= 6,
              digits.allSatisfy(\.isASCII), let count = Int(digits), count >= 1 else {
            throw reader.error(at: node, "max_backup_age must be a number of days or hours like 90d or 36h, not \(PlaybookReader.kind(of: node))",
                               "write for example max_backup_age: 90d")
        }
        return count * (unit == "d" ? 86_400 : 3_600)
    }

    static func rank(of step: StepKind) -> Int {
        StepRegistry.standard.rank(of: step.rawValue) ?? .max
    }
}
