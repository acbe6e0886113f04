import Foundation
import Testing
@testable import RekeyCore
import RekeyText
import TestSupport

/// The live steps over a real disk, with a scripted Gitea.
@Suite("Rotation with the live steps")
struct RotationTests {
    @Test("a good rotation rewrites only the key and its comment, backs up, journals every step")
    func rotates() async throws {
        let fixture = try EngineFixture()
        let gitea = FakeGitea(login: "ops-automation")
        let report = try await fixture.rotation(gitea: gitea).run()
        #expect(report.exitCode == 0)
        #expect(report.outcome == .rotated)
        let token = try #require(report.token)
        #expect(gitea.tokenNames == [token.name])
        #expect(token.name.hasPrefix("ops-automation-\(report.run)"))

        let text = String(decoding: fixture.envBytes, as: UTF8.self)
        let lines = text.components(separatedBy: "\n")
        #expect(lines[0] == "# credentials for ops jobs")
        #expect(lines[1] == "GITEA_URL=https://gitea.example")
        #expect(lines[2].hasPrefix("# ops-automation PAT \(token.name) (…\(token.lastEight)) rotated "))
        #expect(lines[3].hasPrefix("GITEA_TOKEN=") && lines[3].hasSuffix(token.lastEight) && lines[3].count == 52)
        #expect(lines[4] == "DEPLOY_USER=ops")
        #expect(text.hasSuffix("DEPLOY_USER=ops\n"))

        // The backup opens to the original bytes.
        let backup = try #require(report.backup)
        let epoch = try #require(Int(backup.components(separatedBy: ".bak.").last!.replacingOccurrences(of: ".sealed", with: "")))
        let opened = try fixture.sealer.open(try AtomicFile.readBytes(backup), kind: .backup,
                                             context: BackupContext.make(consumer: "fixture-host", file: fixture.envPath, epoch: epoch, run: report.run), source: backup)
        #expect(opened.withUnsafeBytes { Array($0) } == Array(EngineFixture.envText.utf8))

        // The journal holds each step, in order, and the minted record carries the sealed token value.
        let journal = try Journal.read(path: report.journal, run: report.run, sealer: fixture.sealer)
        #expect(journal.records.map(\.0.kind) == [.begin, .backedUp, .minting, .minted, .rewriting, .rewritten, .probed, .committed, .done])
        #expect(journal.records[3].1.lastEight == token.lastEight)
        #expect(!journal.tornTail)

        // No plaintext secret anywhere under the state dir.
        for file in try fixture.directory.allFiles() where file.path.hasPrefix(fixture.state.root) {
            let content = String(decoding: file.bytes, as: UTF8.self)
            #expect(!content.contains(fixture.oldToken), "old token in \(file.path)")
            #expect(!content.contains(fixture.password), "password in \(file.path)")
        }
    }

    @Test("wrong login: exit 80, file byte-identical, minted token deleted")
    func wrongLogin() async throws {
        let fixture = try EngineFixture()
        let before = fixture.envBytes
        let gitea = FakeGitea(login: "ops-automation")
        gitea.loginOverride = "somebody-else"
        let report = try await fixture.rotation(gitea: gitea).run()
        #expect(report.exitCode == RekeyCore.ExitStatus.probeFailedRolledBack.rawValue)
        #expect(report.outcome == .rolledBack)
        #expect(fixture.envBytes == before)
        #expect(gitea.tokenNames.isEmpty)
        #expect(report.error?.contains("'somebody-else', expected 'ops-automation'") == true)
        let journal = try Journal.read(path: report.journal, run: report.run, sealer: fixture.sealer)
        #expect(journal.records.last?.0.kind == .rolledBack)
    }

    @Test("probe fails and the token cannot be deleted: exit 81, file restored, the message names the token")
    func tokenLeftBehind() async throws {
        let fixture = try EngineFixture()
        let before = fixture.envBytes
        let gitea = FakeGitea(login: "ops-automation")
        gitea.loginOverride = "somebody-else"
        gitea.deleteError = GiteaError(call: "DELETE", server: "fake", failure: .status(500, message: "boom"))
        let report = try await fixture.rotation(gitea: gitea).run()
        #expect(report.exitCode == RekeyCore.ExitStatus.probeFailedTokenLeft.rawValue)
        #expect(fixture.envBytes == before)
        let token = try #require(report.token)
        #expect(gitea.tokenNames == [token.name])
        #expect(report.state.contains("token \(token.id) \(token.name)"))
    }

    @Test("the mint answer is lost after the server committed: the token is found by name and deleted")
    func lostMintAnswer() async throws {
        let fixture = try EngineFixture()
        let before = fixture.envBytes
        let gitea = FakeGitea(login: "ops-automation")
        gitea.mintBehaviour = .loseAnswerAfterCommit
        let report = try await fixture.rotation(gitea: gitea).run()
        #expect(report.exitCode == RekeyCore.ExitStatus.unavailable.rawValue)
        #expect(gitea.tokenNames.isEmpty)
        #expect(gitea.calls.contains("list"))
        #expect(fixture.envBytes == before)
        #expect(report.steps.contains { $0.step == "mint" && $0.outcome == .compensated && StepText.detail($0.detail).contains("found by name") })
    }

    @Test("mint refused with 401: exit 77, nothing changed, no token")
    func mintRefused() async throws {
        let fixture = try EngineFixture()
        let before = fixture.envBytes
        let gitea = FakeGitea(login: "ops-automation")
        gitea.mintBehaviour = .fail(GiteaError(call: "POST", server: "fake", failure: .status(401, message: "auth required")))
        let report = try await fixture.rotation(gitea: gitea).run()
        #expect(report.exitCode == RekeyCore.ExitStatus.noPermission.rawValue)
        #expect(report.outcome == .failed)
        #expect(fixture.envBytes == before)
        #expect(!gitea.calls.contains { $0.hasPrefix("delete") })
    }

    @Test("runs within one second never reuse a backup name, even after retention freed one")
    func backupNamesNeverReused() async throws {
        let fixture = try EngineFixture(keepBackups: 1)
        let gitea = FakeGitea(login: "ops-automation")
        let second = Date(timeIntervalSince1970: 1_800_000_000)
        var rotation = fixture.rotation(gitea: gitea)
        rotation.now = { second }
        var backups: [String] = []
        for _ in 0..<3 {
            let report = try await rotation.run()
            #expect(report.exitCode == 0)
            backups.append(try #require(report.backup))
        }
        #expect(Set(backups).count == 3, "a backup name was reused: \(backups)")
        #expect(backups.last?.hasSuffix(".bak.1800000002.sealed") == true)
        // Retention kept only the newest, and it is the last run's.
        let left = try fixture.state.listBackups(consumer: "fixture-host").map(\.path)
        #expect(left == [backups[2]])
    }
}
