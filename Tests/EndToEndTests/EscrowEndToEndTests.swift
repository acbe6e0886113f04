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

            let result = try await TerminalRunner.run(ProcessRunner.rekey, ["backup", "open", escrow, "--recovery-private-key", pair.privatePath],
                                                environment: host.environment)
            #expect(result.status == 64)
            #expect(result.stderr.contains("terminal") && result.stderr.contains("--restore-to"))
            #expect(!result.terminal.contains(host.oldToken) && !result.terminal.contains("GITEA_TOKEN"))
        }
    }
}

/// Runs a program with its standard output on a pseudo-terminal, as a person at a shell would.
enum TerminalRunner {
    struct Result {
        var status: Int32
        var stderr: String
        /// What reached the terminal.
        var terminal: String
    }

    /// Waits on a thread of its own: a child's pipe can stay open while other tests' children
    /// inherit it, and blocking the Swift concurrency pool meanwhile would stall the in-process
    /// stand-in server of every other test.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Swift.Result { try runBlocking(executable, arguments, environment: environment) })
            }.start()
        }
    }

    static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Result {
        // posix_openpt/unlockpt/ptsname do not import into Swift on Linux; these are the ioctls
        // behind them (TIOCSPTLCK, TIOCGPTN).
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        guard master >= 0 else { throw CocoaError(.fileReadUnknown) }
        var unlock: CInt = 0, number: CInt = 0
        guard ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0 else {
            close(master)
            throw CocoaError(.fileReadUnknown)
        }
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        guard slave >= 0 else { close(master); throw CocoaError(.fileReadUnknown) }
        defer { close(master) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }
        // Standard error goes to a temp file, not a pipe (see ProcessRunner.runBlocking).
        let scratch = TempDirectory("rekey-tty")
        let errPath = scratch.file("stderr")
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let errorFile = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer { try? errorFile.close() }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardError = errorFile
        try process.run()
        process.waitUntilExit()
        let stderr = (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
        close(slave)
        // Drain whatever reached the terminal, without blocking.
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        var seen: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(master, &buffer, buffer.count)
            if count <= 0 { break }
            seen += buffer[0..<count]
        }
        return Result(status: process.terminationStatus, stderr: String(decoding: stderr, as: UTF8.self), terminal: String(decoding: seen, as: UTF8.self))
    }
}
