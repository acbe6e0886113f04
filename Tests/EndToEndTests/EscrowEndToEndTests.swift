import Foundation
import RekeyCore
import Testing
import TestSupport

/// Escrowed backups through the real binary: `key recovery-keypair`, `init --recovery-key`,
/// `key set-recovery`, a rotation that escrows its backup, and `backup open` without the master key.
@Suite("escrowed backups, end to end")
struct EscrowEndToEndTests {
    /// A recovery key pair made by the binary in `offhost/` (standing in for the operator's safe).
    struct Pair {
        var publicPath: String
        var privatePath: String
        /// The 64 hex digits of the private key, to search for.
        var privateHex: String
    }

    static func makePair(_ host: EndToEndHost, name: String = "recovery") async throws -> Pair {
        try FileManager.default.createDirectory(atPath: host.directory.file("offhost"), withIntermediateDirectories: true)
        let pair = Pair(publicPath: host.directory.file("offhost/\(name).pub"), privatePath: host.directory.file("offhost/\(name).key"), privateHex: "")
        let made = try await host.rekey(["key", "recovery-keypair", "--public-out", pair.publicPath, "--private-out", pair.privatePath])
        guard made.status == 0 else { throw PairFailed(stderr: made.stderr) }
        let text = try String(contentsOfFile: pair.privatePath, encoding: .utf8)
        return Pair(publicPath: pair.publicPath, privatePath: pair.privatePath,
                    privateHex: String(text.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
    }

    struct PairFailed: Error { var stderr: String }

    static func escrowFiles(_ host: EndToEndHost) throws -> [String] {
        let directory = host.statePath + "/backups/\(host.consumer)"
        return try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".escrow") }.sorted().map { directory + "/" + $0 }
    }

    @Test("rotate with escrow on, lose the master key, open the escrow file with the private key: the original bytes")
    func roundTrip() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let pair = try await Self.makePair(host)
            #expect(pair.privateHex.count == 64)
            let installed = try await host.rekey(["key", "set-recovery", pair.publicPath])
            #expect(installed.status == 0, "stderr: \(installed.stderr)")
            var info = stat()
            #expect(stat(host.statePath + "/recovery.pub", &info) == 0 && info.st_mode & 0o777 == 0o600)

            let original = host.envBytes
            let run = try await host.rekey(["run", host.playbookPath])
            #expect(run.status == 0, "stdout: \(run.stdout) stderr: \(run.stderr)")
            #expect(run.stdout.contains("escrowed to recovery key"))
            let newToken = host.currentToken

            let escrows = try Self.escrowFiles(host)
            try #require(escrows.count == 1)
            let escrow = escrows[0]
            #expect(FileManager.default.fileExists(atPath: String(escrow.dropLast(".escrow".count)) + ".sealed"))
            #expect(stat(escrow, &info) == 0 && info.st_mode & 0o777 == 0o600)
            let escrowBytes = Array(try Data(contentsOf: URL(fileURLWithPath: escrow)))
            #expect(escrowBytes[4] == 5)

            // The host never holds the private half, and nothing secret leaked so far.
            #expect(try host.leaks(of: [host.password, host.oldToken, newToken, pair.privateHex]) == [])
            for file in try host.directory.allFiles() where file.path.hasPrefix(host.statePath) {
                #expect(!String(decoding: file.bytes, as: UTF8.self).contains("rekey-recovery-private"), "\(file.path)")
            }

            // Disaster: the master key is gone. The escrow file still opens, off the host's key.
            try FileManager.default.removeItem(atPath: host.keyPath)
            let printed = try await host.rekey(["backup", "open", escrow, "--recovery-private-key", pair.privatePath])
            #expect(printed.status == 0, "stderr: \(printed.stderr)")
            #expect(Array(printed.stdout.utf8) == original)
            #expect(printed.stderr.contains(host.envPath))

            let target = host.directory.file("restored.env")
            let restored = try await host.rekey(["backup", "open", escrow, "--recovery-private-key", pair.privatePath, "--restore-to", target])
            #expect(restored.status == 0, "stderr: \(restored.stderr)")
            #expect(try host.directory.bytes("restored.env") == original)
            #expect(stat(target, &info) == 0 && info.st_mode & 0o777 == 0o600)
            #expect(!restored.stdout.contains(host.oldToken))
        }
    }

    @Test("wrong private key: exit 77 naming both key ids; tampered file: exit 78; nothing restored either way")
    func refusals() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let pair = try await Self.makePair(host)
            let other = try await Self.makePair(host, name: "other")
            #expect(try await host.rekey(["key", "set-recovery", pair.publicPath]).status == 0)
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            let escrow = try #require(try Self.escrowFiles(host).first)
            let target = host.directory.file("restored.env")

            let wrongKey = try await host.rekey(["backup", "open", escrow, "--recovery-private-key", other.privatePath, "--restore-to", target])
            #expect(wrongKey.status == 77)
            #expect(wrongKey.stderr.contains(escrow) && wrongKey.stderr.contains("recovery private key"))
            #expect(!FileManager.default.fileExists(atPath: target))

            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: escrow)))
            bytes[bytes.count - 10] ^= 0x20
            let tampered = host.directory.file("tampered.escrow")
            try Data(bytes).write(to: URL(fileURLWithPath: tampered))
            let broken = try await host.rekey(["backup", "open", tampered, "--recovery-private-key", pair.privatePath, "--restore-to", target])
            #expect(broken.status == 78)
            #expect(broken.stderr.contains("modified or corrupted"))
            #expect(!FileManager.default.fileExists(atPath: target))

            let publicAsPrivate = try await host.rekey(["backup", "open", escrow, "--recovery-private-key", pair.publicPath])
            #expect(publicAsPrivate.status == 78)
            #expect(publicAsPrivate.stderr.contains("public key"))

            let sealedBackup = String(escrow.dropLast(".escrow".count)) + ".sealed"
            let notEscrow = try await host.rekey(["backup", "open", sealedBackup, "--recovery-private-key", pair.privatePath])
            #expect(notEscrow.status == 78)
            #expect(notEscrow.stderr.contains(".escrow"))
            #expect(wrongKey.stdout.isEmpty && broken.stdout.isEmpty && notEscrow.stdout.isEmpty)
        }
    }

    @Test("init --recovery-key installs the public key; a private key is refused before anything is created")
    func initWithRecoveryKey() async throws {
        try await EndToEndHost.with { host in
            let pair = try await Self.makePair(host)
            #expect(!FileManager.default.fileExists(atPath: host.statePath))

            let refused = try await host.rekey(["init", "--recovery-key", pair.privatePath])
            #expect(refused.status == 78)
            #expect(refused.stderr.contains("PRIVATE"))
            #expect(!FileManager.default.fileExists(atPath: host.keyPath))
            #expect(!FileManager.default.fileExists(atPath: host.statePath + "/recovery.pub"))

            let made = try await host.rekey(["init", "--recovery-key", pair.publicPath])
            #expect(made.status == 0, "stderr: \(made.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: host.statePath + "/recovery.pub")) == Data(contentsOf: URL(fileURLWithPath: pair.publicPath)))
            var info = stat()
            #expect(stat(host.statePath + "/recovery.pub", &info) == 0 && info.st_mode & 0o777 == 0o600)

            let intoState = try await host.rekey(["key", "recovery-keypair", "--public-out", host.directory.file("x.pub"),
                                                  "--private-out", host.statePath + "/x.key"])
            #expect(intoState.status == 64)
            #expect(!FileManager.default.fileExists(atPath: host.statePath + "/x.key"))
            #expect(!FileManager.default.fileExists(atPath: host.directory.file("x.pub")))

            let again = try await host.rekey(["key", "recovery-keypair", "--public-out", pair.publicPath, "--private-out", host.directory.file("new.key")])
            #expect(again.status == 73)
            #expect(!FileManager.default.fileExists(atPath: host.directory.file("new.key")))
            #expect(try host.leaks(of: [pair.privateHex]) == [])
        }
    }

    @Test("escrow is off by default: a rotation writes no .escrow file")
    func offByDefault() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let run = try await host.rekey(["run", host.playbookPath])
            #expect(run.status == 0, "stderr: \(run.stderr)")
            #expect(try Self.escrowFiles(host).isEmpty)
            #expect(!run.stdout.contains("escrowed"))
        }
    }

    @Test("backup open refuses to print a backup to a terminal, and prints nothing there")
    func refusesTerminal() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let pair = try await Self.makePair(host)
            #expect(try await host.rekey(["key", "set-recovery", pair.publicPath]).status == 0)
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
            let escrow = try #require(try Self.escrowFiles(host).first)

            let result = try await Terminal.run(ProcessRunner.rekey, ["backup", "open", escrow, "--recovery-private-key", pair.privatePath],
                                                environment: host.environment, stdout: .terminal)
            #expect(result.status == 64)
            #expect(result.stderr.contains("terminal") && result.stderr.contains("--restore-to"))
            #expect(!result.screen.contains(host.oldToken) && !result.screen.contains("GITEA_TOKEN"))
        }
    }
}
