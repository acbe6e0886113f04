import Yams

extension Playbook {
    /// `reload:` — how the consumer is told that its file changed, after the rotation is proven.
    /// Either a systemd unit (`systemctl try-restart UNIT`, or `try-reload-or-restart` when the
    /// application re-reads the file on reload) or an argv run without a shell. `verify`, when
    /// given, runs afterwards; both must exit 0 within `timeout`, else the rotation is undone.
    public struct Reload: Sendable, Equatable {
        public enum Action: Sendable, Equatable {
            case systemd(unit: String, action: String)
            case command([String])
        }

        public var action: Action
        public var timeoutSeconds: Int
        public var verify: [String]?

        public static let defaultTimeoutSeconds = 30
        public static let systemdActions = ["try-restart", "try-reload-or-restart"]

        public init(action: Action, timeoutSeconds: Int = Reload.defaultTimeoutSeconds, verify: [String]? = nil) {
            self.action = action
            self.timeoutSeconds = timeoutSeconds
            self.verify = verify
        }

        /// The argv of the reload itself. `--no-ask-password`: an unattended run never waits for polkit.
        public var argv: [String] {
            switch action {
            case .systemd(let unit, let action): ["systemctl", "--no-ask-password", action, unit]
            case .command(let argv): argv
            }
        }
    }
}

extension PlaybookParser {
    static let reloadKeys = ["systemd", "action", "command", "timeout", "verify"]
    static let verifyKeys = ["command"]
    /// A reload that takes longer than this is not a reload.
    static let maxReloadTimeoutSeconds = 3_600

    func reload(_ node: Node) throws(PlaybookError) -> Playbook.Reload {
        let section = try reader.section(node, name: "reload", allowed: Self.reloadKeys)
        let action: Playbook.Reload.Action
        switch (section["systemd"], section["command"]) {
        case (let unitNode?, nil):
            let unit = try systemdUnit(unitNode)
            var verb = Playbook.Reload.systemdActions[0]
            if let actionNode = section["action"] {
                verb = try reader.string(actionNode, key: "reload.action").value
                guard Playbook.Reload.systemdActions.contains(verb) else {
                    throw reader.error(at: actionNode, "reload.action \(PlaybookError.show(verb)) is not supported",
                                       "use \(Playbook.Reload.systemdActions.joined(separator: " or "))")
                }
            }
            action = .systemd(unit: unit, action: verb)
        case (nil, let commandNode?):
            if let actionNode = section["action"] {
                throw reader.error(at: actionNode, "reload.action applies only to reload.systemd", "remove action:, or use systemd: UNIT")
            }
            action = .command(try argv(commandNode, key: "reload.command"))
        case (.some, .some):
            throw reader.error(at: node, "reload has both systemd and command", "keep one of them")
        case (nil, nil):
            throw reader.error(at: node, "reload needs systemd or command",
                               "write reload: {systemd: app.service} or reload: {command: [/usr/local/bin/app-reload]}")
        }
        var timeout = Playbook.Reload.defaultTimeoutSeconds
        if let timeoutNode = section["timeout"] {
            let text = try reader.string(timeoutNode, key: "reload.timeout").value
            guard let seconds = DurationText.parse(text), seconds > 0, seconds <= Self.maxReloadTimeoutSeconds else {
                throw reader.error(at: timeoutNode, "reload.timeout \(PlaybookError.show(text)) is not a duration between 1s and 1h",
                                   "write for example timeout: 30s")
            }
            timeout = seconds
        }
        var verify: [String]?
        if let verifyNode = section["verify"] {
            let verifySection = try reader.section(verifyNode, name: "reload.verify", allowed: Self.verifyKeys)
            verify = try argv(reader.required(verifySection, "command", hint: "[/usr/local/bin/app-healthcheck]"), key: "reload.verify.command")
        }
        return Playbook.Reload(action: action, timeoutSeconds: timeout, verify: verify)
    }

    /// Adds `reload` to the default steps when `reload:` is set; refuses a `reload` step without
    /// `reload:`, and `reload:` with explicit steps that leave it out (it would silently never run).
    func steps(_ steps: [StepKind], reconciledWith reload: Playbook.Reload?, stepsNode: Node?, reloadNode: Node?) throws(PlaybookError) -> [StepKind] {
        let listed = steps.contains(.reload)
        switch (reload, stepsNode) {
        case (nil, _) where listed:
            throw reader.error(at: stepsNode, "steps include reload but reload: is missing",
                               "add reload: {systemd: UNIT} or reload: {command: [argv…]}, or remove reload from steps")
        case (.some, .some) where !listed:
            throw reader.error(at: reloadNode, "reload: is set but steps does not list reload",
                               "add reload to steps (after probe), or remove reload:")
        case (.some, nil) where !listed:
            return (steps + [.reload]).sorted { Self.rank(of: $0) < Self.rank(of: $1) }
        default:
            return steps
        }
    }

    /// A systemd unit name: the characters systemd allows, with a type suffix, never an option.
    private func systemdUnit(_ node: Node) throws(PlaybookError) -> String {
        let unit = try reader.string(node, key: "reload.systemd").value
        let allowed = unit.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ":_.@\\-".unicodeScalars.contains($0)) }
        guard allowed, !unit.hasPrefix("-"), unit.count <= 255, unit.contains(".") else {
            throw reader.error(at: node, "reload.systemd \(PlaybookError.show(unit)) is not a systemd unit name",
                               "write the unit with its type, e.g. app.service")
        }
        return unit
    }

    /// An argv run without a shell: an absolute path or a bare name looked up on PATH first, then
    /// arguments as written (`${NAME}` expanded here, never by a shell).
    private func argv(_ node: Node, key: String) throws(PlaybookError) -> [String] {
        let items = try reader.stringList(node, key: key, example: "[/usr/local/bin/app-reload, --graceful]")
        guard let first = items.first else {
            throw reader.error(at: node, "\(key) is empty", "write the program and its arguments, e.g. [/usr/local/bin/app-reload]")
        }
        let program = first.value
        guard program.hasPrefix("/") || !program.contains("/") else {
            throw reader.error(at: first.node, "\(key) starts with the relative path \(PlaybookError.show(program))",
                               "write an absolute path, or a bare program name found on PATH")
        }
        if let bad = items.first(where: { $0.value.unicodeScalars.contains("\0") }) {
            throw reader.error(at: bad.node, "an argument of \(key) contains a NUL byte", "remove it")
        }
        return items.map(\.value)
    }
}
