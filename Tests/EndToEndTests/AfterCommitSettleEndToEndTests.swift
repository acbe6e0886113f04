import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// A run killed (SIGKILL, the real binary) inside an after-commit step, then `rekey recover`:
/// - inside its reload: the reload step's `settle(from:)` runs the journaled reload again, and when
///   it fails again, the reload's own rule holds (the file restored, the consumer reloaded with it,
///   the new token deleted);
/// - inside revoke-previous: the revocation is left pending, not forgotten.
@Suite("a run killed inside reload or revoke-previous, then rekey recover")
struct AfterCommitSettleEndToEndTests {
    @Test("killed after the reload command ran, before it was journaled done: recover reloads again, the rotation stands")
    func killedInsideReloadIsReloadedAgain() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let reload = try ReloadEndToEndTests.recorder(host, name: "app-reload", codes: [0])
            try host.writePlaybook(extra: "reload: {command: [\(reload), --graceful], verify: {command: [\(reload), verify]}}")
            let killed = try await host.rekey(["run", host.playbookPath], environment: ["REKEY_TEST_CRASH_AT": "reload-after-reload"])
            #expect(killed.signalled && killed.status == SIGKILL, "not killed in the reload: \(killed.stdout) \(killed.stderr)")
            let rotated = host.envBytes
            let newToken = host.currentToken
            #expect(newToken != host.oldToken)
            #expect(try ReloadEndToEndTests.calls(host).map(\.arguments) == ["--graceful"])

            let recover = try await host.rekey(["recover"])
            #expect(recover.status == 0, "stdout: \(recover.stdout) stderr: \(recover.stderr)")
            #expect(recover.stdout.contains("the run died inside its reload: ran it again, reload \(reload) --graceful → exit 0; verify \(reload) verify → exit 0"),
                    "stdout: \(recover.stdout)")
            let calls = try ReloadEndToEndTests.calls(host)
            #expect(calls.map(\.arguments) == ["--graceful", "--graceful", "verify"])
            for call in calls.dropFirst() {
                #expect(call.saw == rotated, "the reload ran again without the new file")
                ReloadEndToEndTests.expectCleanEnvironment(call, host: host, tokens: [newToken, host.oldToken, host.password])
                #expect(call.environment["REKEY_TOKEN_LAST8"] == String(newToken.suffix(8)))
            }
            #expect(host.envBytes == rotated)
            #expect(await host.serverTokens().count == 2)

            let again = try await host.rekey(["recover"])
            #expect(again.status == 0 && again.stdout.contains("nothing to recover"), "stdout: \(again.stdout)")
            #expect(try ReloadEndToEndTests.calls(host).count == 3, "a settled run was reloaded again")
            #expect(try host.leaks(of: [newToken, host.oldToken, host.password]) == [])
        }
    }

    @Test("killed inside the reload, and the reload fails when recover runs it again: file restored, consumer reloaded with it, new token deleted")
    func reloadFailingOnRecoverIsUndone() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            let reload = try ReloadEndToEndTests.recorder(host, name: "app-reload", codes: [0, 1, 0])
            try host.writePlaybook(extra: "reload: {command: [\(reload)]}")
            let killed = try await host.rekey(["run", host.playbookPath], environment: ["REKEY_TEST_CRASH_AT": "reload-after-reload"])
            #expect(killed.signalled && killed.status == SIGKILL, "not killed in the reload: \(killed.stdout) \(killed.stderr)")
            let rotated = host.envBytes
            #expect(rotated != before)

            let recover = try await host.rekey(["recover"])
            #expect(recover.status == 0, "stdout: \(recover.stdout) stderr: \(recover.stderr)")
            #expect(recover.stdout.contains("reload failed while finishing the run"), "stdout: \(recover.stdout)")
            #expect(recover.stdout.contains("reloaded the consumer with the original bytes"), "stdout: \(recover.stdout)")
            #expect(host.envBytes == before)
            let calls = try ReloadEndToEndTests.calls(host)
            #expect(calls.count == 3, "calls: \(calls.map(\.arguments))")
            #expect(calls.map(\.saw) == [rotated, rotated, before])
            #expect(await host.serverTokens().map(\.lastEight) == [String(host.oldToken.suffix(8))], "the new token is still on the server")
        }
    }

    @Test("killed after revoke-previous announced the deletion, before it was sent: recover leaves the revocation pending, revoke --pending revokes it")
    func killedInsideRevokePreviousLeavesItPending() async throws {
        try await EndToEndHost.with(tokenTimestamps: false) { host in
            try await host.setUp()
            try host.writePlaybook(extra: "\(RevocationEndToEndTests.revokeSteps)\nrevoke_grace: 0s\nrevoke_without_usage_data: true")
            let old = try #require(await host.serverTokens().first { $0.lastEight == String(host.oldToken.suffix(8)) })
            let killed = try await host.rekey(["run", host.playbookPath], environment: ["REKEY_TEST_CRASH_AT": "revoke-previous-after-intent"])
            #expect(killed.signalled && killed.status == SIGKILL, "not killed in revoke-previous: \(killed.stdout) \(killed.stderr)")
            let rotated = host.envBytes
            #expect(await host.serverTokens().count == 2, "the old token was deleted before the kill")

            let recover = try await host.rekey(["recover"])
            #expect(recover.status == 0, "stdout: \(recover.stdout) stderr: \(recover.stderr)")
            #expect(recover.stdout.contains("run finished"), "stdout: \(recover.stdout)")
            #expect(recover.stdout.contains("the run died while revoking the token it replaced (token \(old.id), …\(old.lastEight)): left pending"),
                    "stdout: \(recover.stdout)")
            #expect(host.envBytes == rotated)
            #expect(await host.serverTokens().contains { $0.id == old.id }, "recover deleted the old token without the gate")

            let settle = try await host.rekey(["revoke", "--pending"])
            #expect(settle.status == 0, "stdout: \(settle.stdout) stderr: \(settle.stderr)")
            #expect(settle.stdout.contains("revoked token \(old.id)"), "stdout: \(settle.stdout)")
            #expect(await host.serverTokens().map(\.lastEight) == [String(host.currentToken.suffix(8))])
        }
    }
}
