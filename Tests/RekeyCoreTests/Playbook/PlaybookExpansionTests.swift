import Testing
@testable import RekeyCore

@Suite("Playbook ${NAME} expansion")
struct PlaybookExpansionTests {
    @Test("${NAME} expands in every string field, including list items")
    func expandsEverywhere() throws {
        let yaml = """
            version: 1
            consumer: ${HOST}-app
            gitea:
              url: ${GITEA_URL}
              persona: ${PERSONA}
              auth: ${ADMIN}
            token:
              name: "${PREFIX}-{run}"
              scopes: [read:user, "${EXTRA}"]
            target:
              file: ${DIR}/app.env
              key: ${KEY}
              comment: "# ${PREFIX} {token_name}"
            probe:
              login: ${PERSONA}
            steps: [backup, mint, rewrite, "${LAST}"]
            max_backup_age: ${AGE}
            """
        let environment = [
            "HOST": "web1", "GITEA_URL": "https://git.example.net/", "PERSONA": "bot", "ADMIN": "root-admin",
            "PREFIX": "ci", "EXTRA": "write:package", "DIR": "/opt/app", "KEY": "TOKEN", "LAST": "probe", "AGE": "12h",
        ]
        let playbook = try Playbook.parse(yaml: yaml, path: "env.yml", environment: environment)
        #expect(playbook.consumer == "web1-app")
        #expect(playbook.gitea == .init(url: "https://git.example.net", persona: "bot", auth: "root-admin", scopes: ["read:user", "write:package"]))
        #expect(playbook.token == .init(nameTemplate: "ci-{run}"))
        #expect(playbook.target == .init(file: "/opt/app/app.env", key: "TOKEN", commentTemplate: "# ci {token_name}"))
        #expect(playbook.probe == .init(login: "bot"))
        #expect(playbook.steps == Playbook.defaultSteps)
        #expect(playbook.maxBackupAgeSeconds == 12 * 3600)
    }

    @Test("$$ is a literal $, a lone $ stays as written, and expanded values are not expanded again",
          arguments: [
              ("/srv/cost$$5/.env", [String: String](), "/srv/cost$5/.env"),
              ("/srv/US$/$HOME/.env", [:], "/srv/US$/$HOME/.env"),
              ("/srv/$${LITERAL}/.env", [:], "/srv/${LITERAL}/.env"),
              ("${NESTED}/.env", ["NESTED": "/srv/${OTHER}"], "/srv/${OTHER}/.env"),
              ("/srv/${EMPTY}app/.env", ["EMPTY": ""], "/srv/app/.env"),
              ("/srv/trailing$", [:], "/srv/trailing$"),
          ])
    func literalDollars(written: String, environment: [String: String], expected: String) throws {
        let yaml = PlaybookFixture.replacing("  file: /srv/app/.env", with: "  file: '\(written)'")
        #expect(try PlaybookFixture.parse(yaml, environment: environment).target.file == expected)
    }

    @Test("an expanded value is validated like a written one: a variable cannot smuggle in a placeholder")
    func expandedPlaceholderIsChecked() {
        let yaml = PlaybookFixture.replacing("  comment: \"# deploy PAT {token_name} (…{last8}) rotated {utc}\"",
                                             with: "  comment: \"# ${NOTE} {utc}\"")
        let message = PlaybookFixture.error(yaml, environment: ["NOTE": "{secret}"])?.description ?? "accepted"
        #expect(message.hasPrefix("test.yml:12:12: target.comment uses unknown placeholder {secret}"), "\(message)")
    }

    @Test("a variable set to the empty string leaves a required field empty, and that is refused")
    func emptyValue() {
        let yaml = PlaybookFixture.replacing("  url: https://gitea.example.org/", with: "  url: ${GITEA_URL}")
        let message = PlaybookFixture.error(yaml, environment: ["GITEA_URL": ""])?.description ?? "accepted"
        #expect(message.hasPrefix("test.yml:4:8: gitea.url is empty"), "\(message)")
    }
}
