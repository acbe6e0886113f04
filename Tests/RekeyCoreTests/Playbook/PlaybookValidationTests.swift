import Testing
@testable import RekeyCore

/// A playbook that must be refused: where the message points and what it must name.
struct InvalidPlaybook: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let yaml: String
    var environment: [String: String] = [:]
    /// "line:column" the message must start with (after the file name).
    let at: String
    /// Texts the message must contain: the offending key or value and the way out.
    let mentions: [String]

    init(_ name: String, _ yaml: String, environment: [String: String] = [:], at: String, _ mentions: String...) {
        testDescription = name
        self.yaml = yaml
        self.environment = environment
        self.at = at
        self.mentions = mentions
    }
}

private typealias F = PlaybookFixture

@Suite("Playbook validation")
struct PlaybookValidationTests {
    static let structure: [InvalidPlaybook] = [
        .init("unknown top-level key", F.appending("colour: blue"), at: "15:1",
              "unknown key \"colour\" at the top level", "allowed keys are version, consumer, gitea, token, target, probe, steps, keep_backups, max_backup_age"),
        .init("unknown key in gitea", F.replacing("  persona: deployer", with: "  persona: deployer\n  password: x"), at: "6:3",
              "unknown key \"password\" in gitea", "allowed keys are url, persona, auth, insecure_http, ca_file"),
        .init("unknown key in target", F.replacing("  key: GITEA_TOKEN", with: "  key: GITEA_TOKEN\n  mode: 600"), at: "12:3",
              "unknown key \"mode\" in target", "allowed keys are file, key, comment"),
        .init("unknown key in token", F.replacing("  name: \"deploy-{run}\"", with: "  name: \"deploy-{run}\"\n  expires: 30d"), at: "8:3",
              "unknown key \"expires\" in token", "allowed keys are name, scopes"),
        .init("unknown key in probe", F.appending("  url: /api/v1/user"), at: "15:3",
              "unknown key \"url\" in probe", "allowed keys are login"),
        .init("a list where a string is expected", F.replacing("consumer: web-host", with: "consumer: [a, b]"), at: "2:11",
              "consumer must be a single value, not a list"),
        .init("a mapping where a string is expected", F.replacing("  key: GITEA_TOKEN", with: "  key: {name: GITEA_TOKEN}"), at: "11:8",
              "target.key must be a single value, not a mapping"),
        .init("a string where a section is expected", F.replacing("probe:", with: "probe: deployer").replacingOccurrences(of: "\n  login: deployer", with: ""),
              at: "13:8", "probe must be a mapping with keys login, not the text \"deployer\""),
        .init("the document is a list", "- version: 1\n- consumer: x", at: "1:1", "the playbook must be a mapping of keys, not a list"),
        .init("an empty value", F.replacing("consumer: web-host", with: "consumer:"), at: "2:10", "consumer has no value"),
        .init("an empty quoted value", F.replacing("consumer: web-host", with: "consumer: \"\""), at: "2:11", "consumer is empty"),
        .init("missing consumer", F.replacing("consumer: web-host", with: ""), at: "1:1",
              "missing required key consumer", "add consumer:"),
        .init("missing gitea.persona", F.replacing("  persona: deployer", with: ""), at: "4:3",
              "missing required key gitea.persona", "add persona:"),
        .init("missing target section", F.valid.replacingOccurrences(of: "target:\n  file: /srv/app/.env\n  key: GITEA_TOKEN\n", with: "")
                .replacingOccurrences(of: "  comment: \"# deploy PAT {token_name} (…{last8}) rotated {utc}\"\n", with: ""),
              at: "1:1", "missing required key target"),
        .init("missing token.scopes", F.replacing("  scopes: [read:repository, read:user]", with: ""), at: "7:3",
              "missing required key token.scopes"),
        .init("missing target.comment", F.replacing("  comment: \"# deploy PAT {token_name} (…{last8}) rotated {utc}\"", with: ""),
              at: "10:3", "missing required key target.comment"),
        .init("missing version", F.replacing("version: 1", with: ""), at: "1:1", "missing required key version", "add version: 1"),
        .init("version 2", F.replacing("version: 1", with: "version: 2"), at: "1:10", "unsupported version 2", "version: 1"),
        .init("version as text", F.replacing("version: 1", with: "version: \"1\""), at: "1:10",
              "version must be a whole number, not the text \"1\""),
        .init("probe step without a probe section", F.valid.replacingOccurrences(of: "\nprobe:\n  login: deployer", with: ""),
              at: "1:1", "steps include probe but probe.login is missing", "add probe:"),
        .init("probe section without login", F.replacing("  login: deployer", with: "  {}").replacingOccurrences(of: "probe:\n  {}", with: "probe: {}"),
              at: "13:8", "missing required key probe.login"),
    ]

    static let values: [InvalidPlaybook] = [
        .init("consumer with a space", F.replacing("consumer: web-host", with: "consumer: web host"), at: "2:11",
              "consumer \"web host\" is not a valid name", "1 to 64 letters, digits, '.', '_' or '-'"),
        .init("consumer of 65 characters", F.replacing("consumer: web-host", with: "consumer: " + String(repeating: "c", count: 65)),
              at: "2:11", "is not a valid name"),
        .init("consumer of dots only", F.replacing("consumer: web-host", with: "consumer: \"..\""), at: "2:11",
              "consumer \"..\" is not a valid name", "not only dots"),
        .init("persona with a slash", F.replacing("  persona: deployer", with: "  persona: ops/deployer"), at: "5:12",
              "gitea.persona \"ops/deployer\" is not a valid name"),
        .init("auth vault entry with a slash", F.replacing("  persona: deployer", with: "  persona: deployer\n  auth: ../admin"), at: "6:9",
              "gitea.auth \"../admin\" is not a valid name"),
        .init("url without a scheme", F.replacing("  url: https://gitea.example.org/", with: "  url: gitea.example.org"), at: "4:8",
              "gitea.url \"gitea.example.org\" is not an http or https url with a host"),
        .init("url with another scheme", F.replacing("  url: https://gitea.example.org/", with: "  url: ftp://gitea.example.org"), at: "4:8",
              "gitea.url \"ftp://gitea.example.org\" is not an http or https url"),
        .init("url with credentials", F.replacing("  url: https://gitea.example.org/", with: "  url: https://bob:pw@gitea.example.org"), at: "4:8",
              "gitea.url carries a user name or password", "the vault"),
        .init("url of the api, not the server", F.replacing("  url: https://gitea.example.org/", with: "  url: https://gitea.example.org/api/v1/"),
              at: "4:8", "ends in /api/v1", "rekey adds /api/v1 itself"),
        .init("relative target file", F.replacing("  file: /srv/app/.env", with: "  file: srv/app/.env"), at: "10:9",
              "target.file \"srv/app/.env\" is not an absolute path"),
        .init("target file naming a directory", F.replacing("  file: /srv/app/.env", with: "  file: /srv/app/"), at: "10:9",
              "target.file \"/srv/app/\" is not a file path"),
        .init("key starting with a digit", F.replacing("  key: GITEA_TOKEN", with: "  key: 1TOKEN"), at: "11:8",
              "target.key \"1TOKEN\" is not a variable name"),
        .init("key with a dash", F.replacing("  key: GITEA_TOKEN", with: "  key: GITEA-TOKEN"), at: "11:8",
              "target.key \"GITEA-TOKEN\" is not a variable name"),
        .init("comment on two lines", F.replacing("  comment: \"# deploy PAT {token_name} (…{last8}) rotated {utc}\"",
                                                   with: "  comment: \"# rotated {utc}\\nGITEA_TOKEN=x\""), at: "12:12",
              "target.comment spans more than one line", "single line"),
        .init("comment without #", F.replacing("  comment: \"# deploy PAT {token_name} (…{last8}) rotated {utc}\"",
                                                with: "  comment: rotated {utc}"), at: "12:12",
              "target.comment \"rotated {utc}\" does not start with #"),
        .init("comment with an unknown placeholder", F.replacing("  comment: \"# deploy PAT {token_name} (…{last8}) rotated {utc}\"",
                                                                  with: "  comment: \"# {token_name} by {user}\""), at: "12:12",
              "target.comment uses unknown placeholder {user}", "{token_name} {last8} {utc} {run} {consumer} {persona}"),
        .init("token name without {run}", F.replacing("  name: \"deploy-{run}\"", with: "  name: \"deploy-{date}\""), at: "7:9",
              "token.name \"deploy-{date}\" lacks {run}", "gitea refuses a reused name"),
        .init("token name with a comment-only placeholder", F.replacing("  name: \"deploy-{run}\"", with: "  name: \"deploy-{run}-{utc}\""),
              at: "7:9", "token.name uses unknown placeholder {utc}", "{run} {date} {consumer} {persona}"),
        .init("token name too long for gitea", F.replacing("  name: \"deploy-{run}\"", with: "  name: \"{run}-" + String(repeating: "n", count: 223) + "\""),
              at: "7:9", "token.name renders to 256 characters with a 32-character run id", "shorten token.name"),
        .init("empty scope list", F.replacing("  scopes: [read:repository, read:user]", with: "  scopes: []"), at: "8:11",
              "token.scopes is empty"),
        .init("scopes as one string", F.replacing("  scopes: [read:repository, read:user]", with: "  scopes: read:user"), at: "8:11",
              "token.scopes must be a list, not the text \"read:user\""),
        .init("unknown scope", F.replacing("  scopes: [read:repository, read:user]", with: "  scopes: [read:user, read:everything]"), at: "8:23",
              "unknown scope \"read:everything\"", "valid scopes are all, public-only, read:X and write:X for X in activitypub, admin"),
        .init("near-miss scope", F.replacing("  scopes: [read:repository, read:user]", with: "  scopes: [read:repo, read:user]"), at: "8:12",
              "unknown scope \"read:repo\"", "did you mean read:repository?"),
        .init("probe without read:user", F.replacing("  scopes: [read:repository, read:user]", with: "  scopes: [read:repository]"), at: "8:11",
              "the probe calls GET /api/v1/user, which needs read:user", "add read:user to token.scopes"),
        .init("unknown step", F.appending("steps: [backup, mint, verify]"), at: "15:23",
              "unknown step \"verify\"", "known steps are backup, mint, rewrite, probe"),
        .init("duplicate step", F.appending("steps: [backup, backup, mint]"), at: "15:17", "step backup is listed twice"),
        .init("steps out of order", F.appending("steps: [mint, backup, rewrite, probe]"), at: "15:15",
              "step backup is listed after mint", "backup, mint, rewrite, probe"),
        .init("rewrite without backup", F.appending("steps: [mint, rewrite]").replacingOccurrences(of: "probe:\n  login: deployer\n", with: ""),
              at: "13:15", "step rewrite needs backup before it", "add backup to steps"),
        .init("rewrite without mint", F.appending("steps: [backup, rewrite]").replacingOccurrences(of: "probe:\n  login: deployer\n", with: ""),
              at: "13:17", "step rewrite needs mint before it"),
        .init("probe without rewrite", F.appending("steps: [backup, mint, probe]"), at: "15:23", "step probe needs rewrite before it"),
        .init("mint without rewrite (an orphaned token)", F.appending("steps: [backup, mint]").replacingOccurrences(of: "probe:\n  login: deployer\n", with: ""),
              at: "13:17", "step mint needs rewrite after it", "add rewrite to steps"),
        .init("mint alone", F.appending("steps: [mint]").replacingOccurrences(of: "probe:\n  login: deployer\n", with: ""),
              at: "13:9", "step mint needs rewrite after it"),
        .init("no steps", F.appending("steps: []"), at: "15:8", "steps is empty"),
        .init("keep_backups zero", F.appending("keep_backups: 0"), at: "15:15", "keep_backups is 0", "use 1 or more"),
        .init("keep_backups not a number", F.appending("keep_backups: many"), at: "15:15",
              "keep_backups must be a whole number, not the text \"many\""),
        .init("max_backup_age in weeks", F.appending("max_backup_age: 2w"), at: "15:17",
              "max_backup_age must be a number of days or hours like 90d or 36h, not the text \"2w\""),
        .init("max_backup_age without unit", F.appending("max_backup_age: 90"), at: "15:17", "not the number 90"),
        .init("max_backup_age of zero", F.appending("max_backup_age: 0d"), at: "15:17", "like 90d or 36h"),
    ]

    static let expansion: [InvalidPlaybook] = [
        .init("unset variable", F.replacing("  url: https://gitea.example.org/", with: "  url: ${GITEA_URL}"), at: "4:8",
              "gitea.url uses ${GITEA_URL} but GITEA_URL is not set in the environment", "set GITEA_URL"),
        .init("unset variable inside a list", F.replacing("  scopes: [read:repository, read:user]", with: "  scopes: [read:user, \"${EXTRA_SCOPE}\"]"),
              at: "8:23", "token.scopes uses ${EXTRA_SCOPE} but EXTRA_SCOPE is not set"),
        .init("variable set to an invalid value", F.replacing("  file: /srv/app/.env", with: "  file: ${APP_DIR}/.env"),
              environment: ["APP_DIR": "relative/dir"], at: "10:9", "target.file \"relative/dir/.env\" is not an absolute path"),
        .init("unset variable in max_backup_age", F.appending("max_backup_age: ${AGE}"), at: "15:17",
              "max_backup_age uses ${AGE} but AGE is not set"),
        .init("unclosed reference", F.replacing("  file: /srv/app/.env", with: "  file: ${APP_DIR/.env"), at: "10:9",
              "target.file has a malformed variable reference \"${APP_DIR/.env\"", "$$ for a literal $"),
        .init("reference with an invalid name", F.replacing("  file: /srv/app/.env", with: "  file: /srv/${APP DIR}/.env"), at: "10:9",
              "malformed variable reference \"${APP DIR}\""),
    ]

    @Test("structural problems are refused at the offending node", arguments: structure)
    func structuralProblem(_ invalid: InvalidPlaybook) { check(invalid) }

    @Test("invalid values are refused at the offending node", arguments: values)
    func invalidValue(_ invalid: InvalidPlaybook) { check(invalid) }

    @Test("failed ${NAME} expansion is refused at the offending node", arguments: expansion)
    func failedExpansion(_ invalid: InvalidPlaybook) { check(invalid) }

    @Test("pre-1.20 scope names are refused with their modern replacement",
          arguments: [("repo", "write:repository"), ("read:org", "read:organization"), ("write:org", "write:organization"),
                      ("sudo", "write:admin"), ("user", "write:user"), ("read:public_key", "read:user"),
                      ("public_repo", "public-only, write:repository"), ("delete_repo", "write:repository")])
    func legacyScope(legacy: String, modern: String) {
        let yaml = F.replacing("  scopes: [read:repository, read:user]", with: "  scopes: [read:user, \(legacy)]")
        check(.init("legacy \(legacy)", yaml, at: "8:23",
                    "scope \"\(legacy)\" is a pre-1.20 gitea scope name", "use \(modern) instead"))
    }

    private func check(_ invalid: InvalidPlaybook, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = F.error(invalid.yaml, environment: invalid.environment) else {
            Issue.record("the playbook was accepted", sourceLocation: sourceLocation)
            return
        }
        let message = error.description
        #expect(message.hasPrefix("test.yml:\(invalid.at): "), "\(message)", sourceLocation: sourceLocation)
        for mention in invalid.mentions {
            #expect(message.contains(mention), "\(message)", sourceLocation: sourceLocation)
        }
        #expect(!message.contains("\n"), "one line: \(message)", sourceLocation: sourceLocation)
        #expect(message.contains("; "), "says what to do: \(message)", sourceLocation: sourceLocation)
        #expect(error.exitStatus == .config, sourceLocation: sourceLocation)
        #expect(error.exitStatus.rawValue == 78, sourceLocation: sourceLocation)
    }
}
