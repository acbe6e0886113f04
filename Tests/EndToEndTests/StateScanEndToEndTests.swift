import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// Issue 3's proof: a vault with a password and a TOTP seed, rotations, a failed rotation and
/// rollbacks, then every byte under the state dir is searched for each secret, finding none.
@Suite("nothing secret at rest in the state dir")
struct StateScanEndToEndTests {
    @Test("after rotations, a rolled-back failure and rollbacks, no password, seed or token is in the state dir")
    func scanAfterEverything() async throws {
        let seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
        try await EndToEndHost.with(personaTOTPSeed: seed) { host in
            try await host.setUp()
            var tokens = [host.oldToken]
            for _ in 0..<2 {
                let run = try await host.rekey(["run", host.playbookPath])
                #expect(run.status == 0, "stderr: \(run.stderr)")
                tokens.append(host.currentToken)
            }
            await host.addFault(FaultRule(route: .user, times: 1, login: "somebody-else"))
            #expect(try await host.rekey(["run", host.playbookPath]).status == 80)
            #expect(try await host.rekey(["rollback", host.consumer]).status == 0)
            tokens.append(host.currentToken)
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            tokens.append(host.currentToken)
            #expect(try await host.rekey(["rollback", host.consumer, "--keep-token"]).status == 0)
            #expect(try await host.rekey(["history", host.consumer]).status == 0)
            #expect(try await host.rekey(["backup", "list"]).status == 0)

            // Every token value the consumer's file ever held, the password and the seed.
            let secrets = Set(tokens) .union([host.password, seed])
            #expect(try host.leaks(of: Array(secrets)) == [])
            // And nothing that even looks like a token value, in case one was never seen by the test
            // (the token of the rolled-back failure).
            let hex40 = try Regex("[0-9a-f]{40}")
            let files = try host.directory.allFiles().filter { $0.path.hasPrefix(host.statePath) }
            #expect(files.count > 8, "the state dir should hold vault, backups and journals: \(files.map(\.path))")
            for file in files {
                #expect(String(decoding: file.bytes, as: UTF8.self).firstMatch(of: hex40) == nil, "token-like bytes in \(file.path)")
            }
        }
    }
}
