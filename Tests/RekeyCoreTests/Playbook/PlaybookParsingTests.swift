import Foundation
import Testing
@testable import RekeyCore

@Suite("Playbook parsing")
struct PlaybookParsingTests {
    @Test("a complete playbook yields every field as written, url without its trailing slash")
    func happyPath() throws {
        let yaml = PlaybookFixture.appending("""
            steps: [backup, mint, rewrite, probe]
            keep_backups: 5
            max_backup_age: 36h
            """).replacingOccurrences(of: "  persona: deployer", with: "  persona: deployer\n  auth: site-admin")
        let playbook = try PlaybookFixture.parse(yaml)
        #expect(playbook == Playbook(
            sourcePath: "test.yml", version: 1, consumer: "web-host",
            gitea: .init(url: "https://gitea.example.org", persona: "deployer", auth: "site-admin", scopes: ["read:repository", "read:user"]),
            token: .init(nameTemplate: "deploy-{run}"),
            target: .init(file: "/srv/app/.env", key: "GITEA_TOKEN",
                          commentTemplate: "# deploy PAT {token_name} (…{last8}) rotated {utc}"),
            probe: .init(login: "deployer"), steps: [.backup, .mint, .rewrite, .probe],
            keepBackups: 5, maxBackupAgeSeconds: 36 * 3600))
    }

    @Test("optional fields take their documented defaults")
    func defaults() throws {
        let playbook = try PlaybookFixture.parse(PlaybookFixture.valid)
        #expect(playbook.gitea.auth == "deployer", "auth defaults to the persona")
        #expect(playbook.steps == [.backup, .mint, .rewrite, .probe])
        #expect(playbook.keepBackups == 20)
        #expect(playbook.maxBackupAgeSeconds == 90 * 86_400)
    }

    @Test("every trailing slash is removed from gitea.url, a path prefix is kept",
          arguments: [
              ("https://gitea.example.org", "https://gitea.example.org"),
              ("https://gitea.example.org///", "https://gitea.example.org"),
              ("http://127.0.0.1:3000/", "http://127.0.0.1:3000"),
              ("https://example.org/gitea/", "https://example.org/gitea"),
          ])
    func urlNormalised(written: String, expected: String) throws {
        let yaml = PlaybookFixture.replacing("  url: https://gitea.example.org/", with: "  url: \(written)")
        #expect(try PlaybookFixture.parse(yaml).gitea.url == expected)
    }

    @Test("steps without probe need neither probe.login nor read:user",
          arguments: ["[backup]", "[backup, mint, rewrite]"])
    func stepsWithoutProbe(steps: String) throws {
        let yaml = PlaybookFixture.replacing("  scopes: [read:repository, read:user]", with: "  scopes: [write:repository]")
            .replacingOccurrences(of: "probe:\n  login: deployer", with: "steps: \(steps)")
        let playbook = try PlaybookFixture.parse(yaml)
        #expect(playbook.probe == nil)
        #expect(!playbook.steps.contains(.probe))
        #expect(playbook.gitea.scopes == ["write:repository"])
    }

    @Test("write:user and all satisfy the probe's need for read:user", arguments: ["write:user", "all"])
    func probeScopesImplied(scope: String) throws {
        let yaml = PlaybookFixture.replacing("  scopes: [read:repository, read:user]", with: "  scopes: [\(scope)]")
        #expect(try PlaybookFixture.parse(yaml).gitea.scopes == [scope])
    }

    @Test("block-style lists and scalars of other YAML types are read as text")
    func blockListsAndNumericNames() throws {
        let yaml = PlaybookFixture.replacing("  scopes: [read:repository, read:user]", with: """
              scopes:
                - read:repository
                - read:user
            """).replacingOccurrences(of: "consumer: web-host", with: "consumer: 2024")
        let playbook = try PlaybookFixture.parse(yaml)
        #expect(playbook.gitea.scopes == ["read:repository", "read:user"])
        #expect(playbook.consumer == "2024")
    }

    @Test("max_backup_age accepts days and hours", arguments: [("1d", 86_400), ("90d", 7_776_000), ("36h", 129_600), ("1h", 3_600)])
    func backupAge(written: String, seconds: Int) throws {
        let yaml = PlaybookFixture.appending("max_backup_age: \(written)")
        #expect(try PlaybookFixture.parse(yaml).maxBackupAgeSeconds == seconds)
    }

    @Test("the scope list holds the twenty 1.20+ scopes")
    func validScopes() {
        #expect(GiteaScopes.valid.count == 20)
        #expect(GiteaScopes.valid.isSuperset(of: ["all", "public-only", "read:activitypub", "write:user", "read:issue"]))
        #expect(!GiteaScopes.valid.contains("repo"))
        #expect(GiteaScopes.grantsReadUser(["read:repository", "read:user"]))
        #expect(GiteaScopes.grantsReadUser(["write:user"]))
        #expect(GiteaScopes.grantsReadUser(["all"]))
        #expect(!GiteaScopes.grantsReadUser(["read:repository", "write:admin"]))
    }
}
