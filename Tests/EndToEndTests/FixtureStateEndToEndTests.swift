import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// State written by the release before the journal got a format version (`Fixtures/state-v1`, made
/// by `Fixtures/make-state-v1.sh` with that release's binaries): real sealed journals, backups,
/// vault entries and master key. Today's binary must read it, recover its unfinished run, roll back
/// and rotate with its vault entries, and re-seal all of it under `rekey key rotate`.
///
/// Sealed contexts bind absolute paths, so the fixture is recreated at the paths it was made at,
/// and the stand-in listens on the port its journals record.
@Suite("state directory of the previous release (fixture state-v1)", .serialized)
struct FixtureStateEndToEndTests {
    static let root = "/tmp/rekey-fixture-v1"
    static let port = 47391
    static let password = "fixture-v1-password"
    static let consumer = "fixture-host"

    var environment: [String: String] {
        ["REKEY_STATE_DIR": Self.root + "/state", "REKEY_KEY_FILE": Self.root + "/master.key", "HOME": Self.root]
    }

    /// Copies the fixture to its fixed place with the modes rekey requires (git keeps none).
    static func recreate() throws {
        let source = try #require(Bundle.module.path(forResource: "state-v1", ofType: nil), "the state-v1 fixture is not bundled")
        let files = FileManager.default
        try? files.removeItem(atPath: root)
        try files.copyItem(atPath: source, toPath: root)
        let walker = files.enumerator(atPath: root)
        chmod(root, 0o700)
        while let relative = walker?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = root + "/" + relative
            _ = files.fileExists(atPath: path, isDirectory: &isDirectory)
            chmod(path, isDirectory.boolValue ? 0o700 : 0o600)
        }
    }

    func rekey(_ arguments: [String]) async throws -> ProcessResult {
        try await ProcessRunner.run(ProcessRunner.rekey, arguments, environment: environment)
    }

    func history() async throws -> [HistoryEntry] {
        let result = try await rekey(["history", "--json"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        return try JSONDecoder().decode([HistoryEntry].self, from: Data(result.stdout.utf8))
    }

    @Test("history reads it; recover settles its dead run; rollback and rotation use its backups and vault; key rotate re-seals it")
    func previousReleaseState() async throws {
        try Self.recreate()
        let server = GiteaStandIn(users: [StandInUser(name: "ops-automation", password: Self.password)])
        _ = try await server.start(port: Self.port)
        do {
            try await exercise(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    private func exercise(_ server: GiteaStandIn) async throws {
        // What the old release wrote, newest first: the run killed after its backup, the rollback,
        // the rotation it undid, the failed probe, the first rotation.
        let before = try await history()
        #expect(before.map(\.outcome) == [.unfinished, .done, .done, .rolledBack, .done])
        #expect(before.map(\.operation) == [.rotate, .rollback, .rotate, .rotate, .rotate])
        #expect(before[3].exitCode == 80)
        #expect(before[2].rolledBackBy == before[1].run)
        #expect(before[1].rollbackOf == before[2].run)
        #expect(before[4].rollbackRestores != nil && before[4].token?.lastEight?.count == 8)
        #expect(before.allSatisfy { $0.problem == nil })

        let vault = try await rekey(["vault", "list"])
        #expect(vault.status == 0)
        #expect(vault.stdout.contains("ops-automation") && vault.stdout.contains("totp-persona"))

        // The unfinished run blocks a rotation until recover settles it.
        let blocked = try await rekey(["run", Self.root + "/playbook.yml"])
        #expect(blocked.status == 75 && blocked.stderr.contains("rekey recover"))
        let fileBeforeRecover = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/all-credentials.env"))
        let recover = try await rekey(["recover"])
        #expect(recover.status == 0, "stderr: \(recover.stderr)")
        #expect(recover.stdout.contains(before[0].run))
        #expect(try Data(contentsOf: URL(fileURLWithPath: Self.root + "/all-credentials.env")) == fileBeforeRecover)
        let recovered = try await history()
        #expect(recovered.first?.outcome == .rolledBack)

        // The old rollback is recognised as done.
        let again = try await rekey(["rollback", Self.consumer])
        #expect(again.status == 0, "stderr: \(again.stderr)")
        #expect(again.stdout.contains("already rolled back"))

        // Rolling back the first rotation opens its old backup. The fresh stand-in no longer knows
        // the backed-up token, so it takes --force.
        let first = before[4]
        let rollback = try await rekey(["rollback", Self.consumer, "--run", first.run, "--force"])
        #expect(rollback.status == 0, "stderr: \(rollback.stderr)")
        let restored = try String(contentsOfFile: Self.root + "/all-credentials.env", encoding: .utf8)
        #expect(restored.contains("# ops-automation PAT fixture-initial"))

        // A rotation with the old vault entry mints and proves a token on the server.
        let rotation = try await rekey(["run", Self.root + "/playbook.yml"])
        #expect(rotation.status == 0, "stderr: \(rotation.stderr)")
        let tokens = await server.tokens(of: "ops-automation")
        #expect(tokens.count == 1)
        let rotated = try String(contentsOfFile: Self.root + "/all-credentials.env", encoding: .utf8)
        #expect(rotated.contains("…\(try #require(tokens.first).lastEight)"))

        // key rotate re-seals every old blob; everything still reads, and only under the new key.
        let oldKey = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/master.key"))
        let beforeKeyRotate = try await history()
        let keyRotate = try await rekey(["key", "rotate"])
        #expect(keyRotate.status == 0, "stderr: \(keyRotate.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: Self.root + "/master.key")) != oldKey)
        #expect(try await history() == beforeKeyRotate)
        #expect(beforeKeyRotate.count == before.count + 2)
        let sealer = Sealer(key: try MasterKey.load(from: Self.root + "/master.key"))
        let journals = RunJournal.all(state: StateDirectory(root: Self.root + "/state"), sealer: sealer)
        #expect(journals.unreadable.isEmpty && journals.journals.count == beforeKeyRotate.count)
        let vaultAfter = try await rekey(["vault", "list"])
        #expect(vaultAfter.stdout.contains("totp-persona"))
        let afterKeyRotate = try await rekey(["run", Self.root + "/playbook.yml"])
        #expect(afterKeyRotate.status == 0, "stderr: \(afterKeyRotate.stderr)")
    }
}
