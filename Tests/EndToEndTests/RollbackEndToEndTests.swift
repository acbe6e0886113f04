import Foundation
import RekeyCore
import Testing
import TestSupport

@Suite("rekey rollback, end to end")
struct RollbackEndToEndTests {
    @Test("after a good rotation: the file is back byte-identical and the new token is deleted; a second rollback changes nothing")
    func undoesRotation() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let original = host.envBytes
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            let newToken = host.currentToken

            let result = try await host.rekey(["rollback", host.consumer])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(host.envBytes == original)
            let onServer = await host.serverTokens().map(\.lastEight)
            #expect(onServer == [String(host.oldToken.suffix(8))])
            #expect(result.stdout.contains("…\(newToken.suffix(8))"))

            let again = try await host.rekey(["rollback", host.consumer])
            #expect(again.status == 0)
            #expect(again.stdout.contains("already rolled back"))
            #expect(host.envBytes == original)

            let history = try await host.rekey(["recover"])
            #expect(history.stdout.contains("nothing to recover"))
            #expect(try host.leaks(of: [host.password, host.oldToken, newToken]) == [])
        }
    }

    @Test("--keep-token restores the file and leaves the rotated token valid")
    func keepToken() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let original = host.envBytes
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            let newToken = host.currentToken
            let result = try await host.rekey(["rollback", host.consumer, "--keep-token"])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(host.envBytes == original)
            #expect(try await host.client.login(of: SecretBytes(utf8: newToken)) == host.persona)
        }
    }

    @Test("after a manual edit: refused with exit 65 and the file untouched; --force restores")
    func manualEdit() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let original = host.envBytes
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            try host.directory.write("all-credentials.env", host.envText + "EDITED_BY_HAND=1\n", mode: 0o640)
            let edited = host.envBytes

            let refused = try await host.rekey(["rollback", host.consumer])
            #expect(refused.status == 65)
            #expect(refused.stderr.contains("changed since run") && refused.stderr.contains("--force"))
            #expect(host.envBytes == edited)
            #expect(await host.serverTokens().count == 2)

            let forced = try await host.rekey(["rollback", host.consumer, "--force"])
            #expect(forced.status == 0, "stderr: \(forced.stderr)")
            #expect(host.envBytes == original)
            #expect(await host.serverTokens().count == 1)
        }
    }

    @Test("when the backed-up token was revoked: refused with exit 77, saying so, nothing changed")
    func revokedBackup() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            let rotated = host.envBytes
            let initial = try #require(await host.serverTokens().first { $0.lastEight == String(host.oldToken.suffix(8)) })
            try await host.client.deleteToken(persona: host.persona, id: initial.id, auth: host.credential)

            let refused = try await host.rekey(["rollback", host.consumer])
            #expect(refused.status == 77)
            #expect(refused.stderr.contains("revoked"))
            #expect(host.envBytes == rotated)
            #expect(await host.serverTokens().count == 1)

            // The refusal came from the server: the attempt is in the history, and nothing is left unfinished.
            let history = try await host.rekey(["history", host.consumer])
            #expect(history.stdout.contains("failed  rollback of run"), "stdout: \(history.stdout)")
            #expect(try await host.rekey(["recover"]).stdout.contains("nothing to recover"))
        }
    }

    @Test("nothing to roll back: a clear refusal")
    func nothingToRollBack() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let result = try await host.rekey(["rollback", host.consumer])
            #expect(result.status == 64)
            #expect(result.stderr.contains("no successful rotation"))
        }
    }
}
