import RekeyCore

/// The lines `rekey run --dry-run` prints for a plan (`DryRun.Plan.items`), also `--json`'s `lines`.
public enum PlanText {
    public static func lines(_ plan: DryRun.Plan) -> [String] { plan.items.flatMap(lines) }

    public static func lines(_ item: PlanItem) -> [String] {
        switch item {
        case .header(let consumer):
            ["plan for \(consumer) (dry run: nothing was changed)"]
        case .playbook(let path, let steps):
            ["✓ playbook  \(path) is valid; steps \(steps.joined(separator: ", "))"]
        case .envFile(let file, let key, let line, let value):
            ["✓ env file  \(file): \(key) on line \(line) holds \(value)"]
        case .vault(let entry, let user):
            ["✓ vault     entry \(entry) (user \(user))"]
        case .server(let url, let version):
            ["✓ gitea     \(url) answers, version \(version)"]
        case .backup(let path):
            ["  backup    would seal the file to \(path)"]
        case .mint(let name, let persona, let scopes):
            ["  mint      would mint \(name) for \(persona) with scopes \(scopes.joined(separator: ", "))"]
        case .rewrite(let key, let value, let line, let comment):
            ["  rewrite   \(key)=\(value) → <new token>",
             "            comment above line \(line) becomes: \(comment)"]
        case .probe(let login):
            ["  probe     would check GET /api/v1/user answers 200 with login \(login)"]
        case .reload(let command, let verify, let timeoutSeconds):
            reload(command: command, verify: verify, timeout: DurationText.format(seconds: timeoutSeconds))
        case .revokePrevious(let grace):
            ["  revoke-previous  would revoke the replaced token once no known consumer holds it, \(DurationText.format(seconds: grace)) after the rotation, unused since (else pending)"]
        case .step(let name, let text):
            ["  \(name.padding(toLength: 9, withPad: " ", startingAt: 0)) \(text)"]
        }
    }

    private static func reload(command: String, verify: String?, timeout: String) -> [String] {
        ["  reload    would run \(command) (timeout \(timeout)) once the file changed"]
            + (verify.map { ["            then verify: \($0) (timeout \(timeout))"] } ?? [])
            + ["            a failure restores the file, reloads again and deletes the new token (exit 83)"]
    }
}
