import CLinux
import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// An attribute rekey must carry over to the new file but cannot set: the rotation stops before the
/// rename with a line naming the attribute, the env file keeps its bytes and attributes, no temp
/// file is left, and the minted token is deleted again.
@Suite("an attribute that cannot be copied, end to end")
struct AttributeCopyFailureEndToEndTests {
    @Test("a security.capability rekey may not set (CAP_SETFCAP dropped): stopped, file untouched, token deleted")
    func capabilityNotSettable() async throws {
        if let reason = HostileHost.rootMissing {
            print("skipping: \(reason)")
            return
        }
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook()
            // A v2 file capability (cap_net_bind_service+ep): reading it needs nothing, setting it
            // needs CAP_SETFCAP, which the run below does not have.
            var capability: [UInt8] = []
            for word: UInt32 in [0x0200_0001, 1 << 10, 0, 0, 0] { withUnsafeBytes(of: word.littleEndian) { capability += $0 } }
            #expect(setxattr(host.envPath, "security.capability", capability, capability.count, 0) == 0,
                    "setxattr: \(String(cString: strerror(errno)))")
            let before = host.envBytes
            var info = stat()
            #expect(stat(host.envPath, &info) == 0)
            let inode = info.st_ino

            let setpriv = ["--inh-caps=-setfcap", "--bounding-set=-setfcap", "--", ProcessRunner.rekey, "run", host.playbookPath]
            let result = try await ProcessRunner.run("/usr/bin/setpriv", setpriv, environment: host.environment)
            #expect(result.status == 65, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stderr.contains("cannot copy its security.capability attribute to the new file"), "\(result.stderr)")
            #expect(result.stderr.contains("all-credentials.env"), "the line names the file: \(result.stderr)")

            #expect(host.envBytes == before, "the env file changed")
            #expect(stat(host.envPath, &info) == 0 && info.st_ino == inode, "the env file was replaced")
            #expect(PosixACL.read(host.envPath, "security.capability") == capability, "the attribute was lost")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: host.directory.path).filter { $0.contains(".rekey-tmp.") }
            #expect(leftovers.isEmpty, "temp files left: \(leftovers)")
            let tokens = await host.serverTokens()
            #expect(tokens.count == 1, "the minted token was not deleted: \(tokens.map(\.name))")
            // Nothing is left for recover: the consumer rotates again once the attribute can be set.
            let again = try await host.rekey(["run", host.playbookPath])
            #expect(again.status == 0, "stdout: \(again.stdout) stderr: \(again.stderr)")
            #expect(PosixACL.read(host.envPath, "security.capability") == capability)
        }
    }
}
