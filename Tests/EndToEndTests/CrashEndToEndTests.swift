import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// Kills the real binary (SIGKILL) at every step boundary of a rotation and of a rollback, and in
/// the middle of the env file's replacement, then runs `rekey recover` and checks what an operator
/// cares about: the file holds either the original or the fully rewritten bytes, the server holds
/// no token of the run unless the file holds it and it works, nothing secret is left in plaintext,
/// and a second recover changes nothing.
@Suite("crash at any instant, then rekey recover", .serialized)
struct CrashEndToEndTests {
    static let rotationPoints = [
        "after-validate", "after-backup", "mint-before-request", "after-mint",
        "atomic-after-temp-write:all-credentials.env", "atomic-after-rename:all-credentials.env",
        "after-rewrite", "after-probe",
    ]

    @Test("a rotation killed at a step boundary or mid-replace is settled by recover", arguments: rotationPoints)
    func rotationKilled(at point: String) async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let original = host.envBytes
            // A short deadline: recover waits out a mint that may be in flight (at most 5 s + 1 here).
            let killed = try await host.rekey(["run", host.playbookPath, "--timeout", "5"], environment: ["REKEY_TEST_CRASH_AT": point])
            #expect(killed.signalled && killed.status == SIGKILL, "the process was not killed at \(point): \(killed.stderr)")

            // Until recovered, a new run of the consumer is refused with the command to run.
            let refused = try await host.rekey(["run", host.playbookPath])
            #expect(refused.status == 75)
            #expect(refused.stderr.contains("rekey recover --consumer \(host.consumer)"))

            try await recoverAndCheck(host, original: original)

            // The consumer rotates normally afterwards.
            let again = try await host.rekey(["run", host.playbookPath])
            #expect(again.status == 0, "stderr: \(again.stderr)")
        }
    }

    @Test("killed after the env file's rename, finished by recover, then rolled back: the rollback restores the backup and deletes the run's token")
    func recoverThenRollback() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let original = host.envBytes
            let killed = try await host.rekey(["run", host.playbookPath],
                                              environment: ["REKEY_TEST_CRASH_AT": "atomic-after-rename:all-credentials.env"])
            #expect(killed.signalled && killed.status == SIGKILL, "stderr: \(killed.stderr)")
            let rotated = host.envBytes
            #expect(rotated != original)

            let recover = try await host.rekey(["recover"])
            #expect(recover.status == 0, "stderr: \(recover.stderr)")
            #expect(recover.stdout.contains("run finished"))
            #expect(host.envBytes == rotated)
            let newToken = host.currentToken

            // history offers the rollback, and the rollback does what it offers.
            let history = try await host.rekey(["history", host.consumer])
            #expect(history.stdout.contains("rollback would restore"))
            let rollback = try await host.rekey(["rollback", host.consumer])
            #expect(rollback.status == 0, "stdout: \(rollback.stdout) stderr: \(rollback.stderr)")
            #expect(host.envBytes == original)
            #expect(await host.serverTokens().map(\.lastEight) == [String(host.oldToken.suffix(8))])
            #expect(rollback.stdout.contains("…\(newToken.suffix(8))"))
        }
    }

    @Test("a rotation killed while the server has committed the mint but not answered")
    func killedDuringCommittedMint() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let original = host.envBytes
            await host.addFault(FaultRule(route: .mint, times: 1, delayMilliseconds: 20_000, afterCommit: true))
            let process = try ProcessRunner.start(ProcessRunner.rekey, ["run", host.playbookPath, "--timeout", "5"], environment: host.environment)
            // Wait until the server holds the run's token: the mint is committed, its answer pending.
            var committed = false
            for _ in 0..<200 where !committed {
                committed = await host.serverTokens().count == 2
                if !committed { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(committed, "the stand-in never committed the mint")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            await host.server.clearFaults()
            let outcome = try await recoverAndCheck(host, original: original)
            #expect(outcome.contains("found by name"))
        }
    }

    @Test("recover while Gitea fails: the run stays unfinished (exit 69) and a later recover settles it")
    func recoverWhileServerDown() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let original = host.envBytes
            let killed = try await host.rekey(["run", host.playbookPath], environment: ["REKEY_TEST_CRASH_AT": "after-mint"])
            #expect(killed.signalled)
            await host.addFault(FaultRule(route: .any, times: 0, status: 503))
            let failed = try await host.rekey(["recover"])
            #expect(failed.status == 69, "stdout: \(failed.stdout) stderr: \(failed.stderr)")
            #expect(failed.stdout.contains("left unfinished") && failed.stdout.contains("rekey recover again"))
            // Still refused until settled; nothing was lost meanwhile.
            #expect(try await host.rekey(["run", host.playbookPath]).status == 75)
            #expect(host.envBytes == original)

            await host.server.clearFaults()
            try await recoverAndCheck(host, original: original)
        }
    }

    @Test("a playbook without probe: a run killed after rewrite is finished by recover, and rollback works")
    func withoutProbe() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let text = try String(contentsOfFile: host.playbookPath, encoding: .utf8)
                .replacingOccurrences(of: "probe:\n  login: \(host.persona)\n", with: "steps: [backup, mint, rewrite]\n")
            try host.directory.write("playbook.yml", text)
            let original = host.envBytes
            let killed = try await host.rekey(["run", host.playbookPath], environment: ["REKEY_TEST_CRASH_AT": "after-rewrite"])
            #expect(killed.signalled, "stderr: \(killed.stderr)")
            let outcome = try await recoverAndCheck(host, original: original)
            #expect(host.envBytes != original, "recover undid a healthy rotation: \(outcome)")
            #expect(outcome.contains("run finished"))
            let rollback = try await host.rekey(["rollback", host.consumer])
            #expect(rollback.status == 0, "stderr: \(rollback.stderr)")
            #expect(host.envBytes == original)
        }
    }

    static let rollbackPoints = [
        "rollback-after-intent", "atomic-after-temp-write:all-credentials.env",
        "atomic-after-rename:all-credentials.env", "rollback-after-restore", "rollback-before-done",
    ]

    @Test("a rollback killed at any point is settled by recover", arguments: rollbackPoints)
    func rollbackKilled(at point: String) async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let original = host.envBytes
            let rotated = try await host.rekey(["run", host.playbookPath])
            #expect(rotated.status == 0)
            let rotatedBytes = host.envBytes
            let newToken = host.currentToken

            let killed = try await host.rekey(["rollback", host.consumer], environment: ["REKEY_TEST_CRASH_AT": point])
            #expect(killed.signalled && killed.status == SIGKILL, "not killed at \(point): \(killed.stderr)")
            let recovered = try await host.rekey(["recover"])
            #expect(recovered.status == 0, "stdout: \(recovered.stdout) stderr: \(recovered.stderr)")

            let now = host.envBytes
            #expect(now == original || now == rotatedBytes, "the file holds neither the original nor the rotated bytes")
            let onServer = await host.serverTokens().map(\.lastEight)
            if now == original {
                // Rolled back: the undone run's token is gone, the restored one works.
                #expect(!onServer.contains(String(newToken.suffix(8))))
                #expect(try await host.client.login(of: SecretBytes(utf8: host.oldToken)) == host.persona)
            } else {
                // Not rolled back: the file's token is still on the server and works.
                #expect(onServer.contains(String(newToken.suffix(8))))
                #expect(try await host.client.login(of: SecretBytes(utf8: newToken)) == host.persona)
            }
            try checkNoPlaintext(host)
            try await checkSecondRecoverIsQuiet(host)
        }
    }

    /// Runs recover and checks every invariant; returns recover's stdout.
    @discardableResult
    private func recoverAndCheck(_ host: EndToEndHost, original: [UInt8]) async throws -> String {
        let recovered = try await host.rekey(["recover"])
        #expect(recovered.status == 0, "stdout: \(recovered.stdout) stderr: \(recovered.stderr)")

        let now = host.envBytes
        let initial = String(host.oldToken.suffix(8))
        let runTokens = await host.serverTokens().filter { $0.lastEight != initial }
        if now == original {
            #expect(runTokens.isEmpty, "the server still holds \(runTokens) although the file was restored")
        } else {
            // Fully rewritten: only the key line and the comment above it differ, and the file's
            // token is the run's one token on the server and authenticates as the persona.
            let before = String(decoding: original, as: UTF8.self).components(separatedBy: "\n")
            let after = host.envText.components(separatedBy: "\n")
            #expect(before.count == after.count)
            for index in before.indices where index != 2 && index != 3 { #expect(before[index] == after[index]) }
            let token = host.currentToken
            #expect(runTokens.map(\.lastEight) == [String(token.suffix(8))])
            #expect(try await host.client.login(of: SecretBytes(utf8: token)) == host.persona)
        }
        try checkNoPlaintext(host)
        try await checkSecondRecoverIsQuiet(host)
        return recovered.stdout
    }

    private func checkNoPlaintext(_ host: EndToEndHost) throws {
        // No token value (40 lowercase hex) and no password anywhere in the state dir.
        let hex40 = try Regex("[0-9a-f]{40}")
        for file in try host.directory.allFiles() where file.path.hasPrefix(host.statePath) {
            let text = String(decoding: file.bytes, as: UTF8.self)
            #expect(text.firstMatch(of: hex40) == nil, "a token-like value in plaintext in \(file.path)")
            #expect(!text.contains(host.password), "the password in plaintext in \(file.path)")
        }
        // No temp file with a token left beside the env file.
        let beside = try FileManager.default.contentsOfDirectory(atPath: host.directory.path)
        #expect(beside.filter { $0.contains("rekey-tmp") }.isEmpty, "temp files left: \(beside)")
    }

    private func checkSecondRecoverIsQuiet(_ host: EndToEndHost) async throws {
        let before = host.envBytes
        let tokens = await host.serverTokens()
        let second = try await host.rekey(["recover"])
        #expect(second.status == 0)
        #expect(second.stdout.contains("nothing to recover"))
        #expect(host.envBytes == before)
        #expect(await host.serverTokens() == tokens)
    }
}
