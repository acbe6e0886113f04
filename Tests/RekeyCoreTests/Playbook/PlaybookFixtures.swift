@testable import RekeyCore

/// A valid playbook whose line numbers the error tests rely on. Edit with `replacing` so the
/// lines above the change keep their numbers.
enum PlaybookFixture {
    static let path = "test.yml"

    static let valid = """
        version: 1
        consumer: web-host
        gitea:
          url: https://gitea.example.org/
          persona: deployer
        token:
          name: "deploy-{run}"
          scopes: [read:repository, read:user]
        target:
          file: /srv/app/.env
          key: GITEA_TOKEN
          comment: "# deploy PAT {token_name} (…{last8}) rotated {utc}"
        probe:
          login: deployer
        """

    /// `valid` with the line that reads exactly `line` replaced by `replacement` (which may be
    /// several lines, or empty to delete the line).
    static func replacing(_ line: String, with replacement: String) -> String {
        var lines = valid.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let index = lines.firstIndex(of: line) else { fatalError("fixture has no line \(line)") }
        if replacement.isEmpty { lines.remove(at: index) } else { lines[index] = replacement }
        return lines.joined(separator: "\n")
    }

    static func appending(_ text: String) -> String { valid + "\n" + text }

    static func parse(_ yaml: String, environment: [String: String] = [:]) throws(PlaybookError) -> Playbook {
        try Playbook.parse(yaml: yaml, path: path, environment: environment)
    }

    /// The error `yaml` fails with, or nil when it parses.
    static func error(_ yaml: String, environment: [String: String] = [:]) -> PlaybookError? {
        do {
            _ = try parse(yaml, environment: environment)
            return nil
        } catch {
            return error
        }
    }
}
