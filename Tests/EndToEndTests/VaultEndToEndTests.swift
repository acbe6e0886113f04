import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// `rekey vault set --totp`, `vault remove` and `vault test`, and rotations for a two-factor
/// persona: the real binary against the stand-in, which demands `X-Gitea-OTP` like Gitea.
@Suite("rekey vault: TOTP, remove and test, end to end")
struct VaultEndToEndTests {
    static func randomSeed() -> String {
        String((0..<32).map { _ in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".randomElement()! })
    }

    @Test("a persona with TOTP rotates unattended with a --totp vault entry, and gets 401 → exit 77 without one")
    func totpRotation() async throws {
        let seed = Self.randomSeed()
        try await EndToEndHost.with(personaTOTPSeed: seed) { host in
            try await host.setUp()  // vault set --totp, password then seed on stdin
            let before = host.envBytes
            let rotated = try await host.rekey(["run", host.playbookPath])
            #expect(rotated.status == 0, "stdout: \(rotated.stdout) stderr: \(rotated.stderr)")
            let newToken = host.currentToken
            #expect(newToken.count == 40 && newToken != host.oldToken)
            #expect(try await host.client.login(of: SecretBytes(utf8: newToken)) == host.persona)
            #expect(await host.serverTokens().count == 2)

            // The same entry without the seed: the server refuses the password alone.
            let plain = try await host.rekey(["vault", "set", host.persona, "--username", host.persona], stdin: host.password + "\n")
            #expect(plain.status == 0)
            let afterRotation = host.envBytes
            #expect(afterRotation != before)
            let refused = try await host.rekey(["run", host.playbookPath])
            #expect(refused.status == 77, "stdout: \(refused.stdout) stderr: \(refused.stderr)")
            #expect(refused.stderr.contains("401"))
            #expect(host.envBytes == afterRotation)
            #expect(await host.serverTokens().count == 2)

            #expect(try host.leaks(of: [host.password, seed, host.oldToken, newToken]) == [])
        }
    }

    @Test("vault test: ok for a good entry (with and without TOTP), 77 for a wrong password; it mints nothing")
    func vaultTest() async throws {
        let seed = Self.randomSeed()
        try await EndToEndHost.with(personaTOTPSeed: seed) { host in
            try await host.setUp()
            let tokensBefore = await host.serverTokens()
            let callsBefore = await host.server.requestLog().count

            let ok = try await host.rekey(["vault", "test", host.persona, "--url", host.baseURL])
            #expect(ok.status == 0, "stderr: \(ok.stderr)")
            #expect(ok.stdout.contains("ok: \(host.persona) authenticates as \(host.persona)"))

            let wrong = try await host.rekey(["vault", "set", "wrong-password", "--username", host.persona, "--totp"],
                                             stdin: "not-the-password\n" + seed + "\n")
            #expect(wrong.status == 0)
            let refused = try await host.rekey(["vault", "test", "wrong-password", "--url", host.baseURL])
            #expect(refused.status == 77, "stderr: \(refused.stderr)")
            #expect(refused.stderr.contains("401") && refused.stderr.contains("vault"))
            #expect(!refused.stdout.contains("ok:"))

            let noSeed = try await host.rekey(["vault", "set", "no-seed", "--username", host.persona], stdin: host.password + "\n")
            #expect(noSeed.status == 0)
            let missingOTP = try await host.rekey(["vault", "test", "no-seed", "--url", host.baseURL])
            #expect(missingOTP.status == 77, "stderr: \(missingOTP.stderr)")

            // Nothing minted or deleted, and only the read-only listing was called: once for each
            // test, and once more for the wrong password with a TOTP seed (a 401 on a TOTP persona
            // is retried once with another step's code).
            #expect(await host.serverTokens() == tokensBefore)
            let calls = await host.server.requestLog().dropFirst(callsBefore)
            #expect(calls.count == 4 && calls.allSatisfy { $0 == "GET /api/v1/users/\(host.persona)/tokens" }, "calls: \(calls)")

            let missing = try await host.rekey(["vault", "test", "nobody", "--url", host.baseURL])
            #expect(missing.status == 77)
            #expect(missing.stderr.contains("no vault entry 'nobody'"))

            #expect(try host.leaks(of: [host.password, seed, "not-the-password", host.oldToken]) == [])
        }
    }

    @Test("vault test against a server that is not there: exit 69 naming the server")
    func vaultTestUnreachable() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let result = try await host.rekey(["vault", "test", host.persona, "--url", "http://127.0.0.1:9"])
            #expect(result.status == 69, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("127.0.0.1:9"))
        }
    }

    @Test("vault remove deletes the entry; removing a missing one is exit 77 with what to do")
    func remove() async throws {
        try await EndToEndHost.with { host in
            try await host.rekey(["init"])
            #expect(try await host.rekey(["vault", "set", "spare", "--username", "u"], stdin: "pw-spare\n").status == 0)
            #expect(try await host.rekey(["vault", "set", "keep", "--username", "k"], stdin: "pw-keep\n").status == 0)
            let removed = try await host.rekey(["vault", "remove", "spare"])
            #expect(removed.status == 0, "stderr: \(removed.stderr)")
            #expect(!FileManager.default.fileExists(atPath: host.statePath + "/vault/spare.sealed"))
            let list = try await host.rekey(["vault", "list"])
            #expect(!list.stdout.contains("spare") && list.stdout.contains("keep"))

            let again = try await host.rekey(["vault", "remove", "spare"])
            #expect(again.status == 77)
            #expect(again.stderr.contains("'spare'") && again.stderr.contains("rekey vault list"))

            let badName = try await host.rekey(["vault", "remove", "../keep"])
            #expect(badName.status == 64)
            #expect(FileManager.default.fileExists(atPath: host.statePath + "/vault/keep.sealed"))
        }
    }

    @Test("a TOTP seed that is not base32: exit 78 naming the entry, no file, the seed and password nowhere")
    func badSeed() async throws {
        try await EndToEndHost.with { host in
            try await host.rekey(["init"])
            let seed = "otpauth-secret-1089!"
            let result = try await host.rekey(["vault", "set", "twofa", "--username", "u", "--totp"], stdin: "pw-twofa-123\n" + seed + "\n")
            #expect(result.status == 78)
            #expect(result.stderr.contains("'twofa'") && result.stderr.contains("base32"))
            #expect(!FileManager.default.fileExists(atPath: host.statePath + "/vault/twofa.sealed"))
            let empty = try await host.rekey(["vault", "set", "twofa", "--username", "u", "--totp"], stdin: "pw-twofa-123\n")
            #expect(empty.status == 78)
            #expect(empty.stderr.contains("empty TOTP seed"))
            #expect(!FileManager.default.fileExists(atPath: host.statePath + "/vault/twofa.sealed"))
            #expect(try host.leaks(of: [seed, "pw-twofa-123"]) == [])
        }
    }
}
