import Foundation
import Testing
@testable import RekeyCore

/// The playbooks shipped in Playbooks/ must load, and mean what the README says they mean.
@Suite("Example playbooks")
struct ExamplePlaybookTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Playbook
        .deletingLastPathComponent()  // RekeyCoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
        .path

    static func path(_ name: String) -> String { repositoryRoot + "/Playbooks/" + name }

    @Test("Playbooks/ops-automation.yml is the operator-host rotation")
    func opsAutomation() throws {
        let path = Self.path("ops-automation.yml")
        let playbook = try Playbook.load(path: path, environment: ["GITEA_URL": "https://git.example.org/"])
        #expect(playbook == Playbook(
            sourcePath: path, version: 1, consumer: "ops-automation-operator-host",
            gitea: .init(url: "https://git.example.org", persona: "ops-automation", auth: "ops-automation",
                         scopes: ["read:repository", "write:repository", "read:organization", "read:user"]),
            token: .init(nameTemplate: "ops-automation-{run}"),
            target: .init(file: "/etc/org/all-credentials.env", key: "GITEA_TOKEN",
                          commentTemplate: "# ops-automation PAT {token_name} (…{last8}) rotated {utc} by rekey run {run}"),
            probe: .init(login: "ops-automation"), steps: [.backup, .mint, .rewrite, .probe],
            keepBackups: 20, maxBackupAgeSeconds: 90 * 86_400))
        let name = playbook.tokenName(run: "r42", date: Date(timeIntervalSince1970: 0))
        #expect(name == "ops-automation-r42")
        #expect(playbook.comment(tokenName: name, lastEight: "89abcdef", utc: Date(timeIntervalSince1970: 0), run: "r42")
            == "# ops-automation PAT ops-automation-r42 (…89abcdef) rotated 1970-01-01T00:00:00Z by rekey run r42")
    }

    @Test("Playbooks/demo.yml rotates into the demo directory against $GITEA_URL")
    func demo() throws {
        let path = Self.path("demo.yml")
        let playbook = try Playbook.load(path: path, environment: ["GITEA_URL": "http://127.0.0.1:3000",
                                                                     "REKEY_DEMO_DIR": "/tmp/rekey-demo"])
        #expect(playbook.consumer == "demo-host")
        #expect(playbook.gitea == .init(url: "http://127.0.0.1:3000", persona: "ops-automation", scopes: ["read:repository", "read:user"]))
        #expect(playbook.target.file == "/tmp/rekey-demo/all-credentials.env")
        #expect(playbook.target.key == "GITEA_TOKEN")
        #expect(playbook.probe?.login == "ops-automation")
        #expect(playbook.steps == Playbook.defaultSteps)
        #expect(GiteaScopes.grantsReadUser(playbook.gitea.scopes))
        #expect(playbook.tokenName(run: "r1", date: Date(timeIntervalSince1970: 0)).hasSuffix("r1"))
    }

    @Test("the examples refuse to load without the variables they use",
          arguments: [("demo.yml", "GITEA_URL"), ("ops-automation.yml", "GITEA_URL")])
    func needsEnvironment(file: String, variable: String) {
        do {
            _ = try Playbook.load(path: Self.path(file), environment: [:])
            Issue.record("loaded without \(variable)")
        } catch {
            #expect(error.description.contains("\(variable) is not set"), "\(error.description)")
        }
    }
}
