import Foundation

/// Runs a program on a pseudo-terminal, as a person at a shell would: the chosen standard streams
/// are the terminal, the others temp files (never pipes: see `ProcessRunner.runBlocking`). A script
/// of (wait for this text, then type that) pairs plays the person at the keyboard.
public enum Terminal {
    public enum Stream: Sendable { case terminal, file, null }

    public struct Result: Sendable {
        public var status: Int32
        /// Everything that reached the terminal (prompts, and any echo of what was typed).
        public var screen: String
        public var stdout: String
        public var stderr: String
    }

    public struct Expectation: Sendable {
        public var waitFor: String
        public var type: String
        public init(waitFor: String, type: String) {
            self.waitFor = waitFor
            self.type = type
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `executable` on its own thread (the Swift concurrency pool is never blocked).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                           stdin: Stream = .null, stdout: Stream = .file, stderr: Stream = .file,
                           script: [Expectation] = []) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Swift.Result {
                    try runBlocking(executable, arguments, environment: environment, streams: (stdin, stdout, stderr), script: script)
                })
            }.start()
        }
    }

    static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String],
                            streams: (Stream, Stream, Stream), script: [Expectation]) throws -> Result {
        // posix_openpt/unlockpt/ptsname do not import into Swift on Linux; these are the ioctls
        // behind them (TIOCSPTLCK, TIOCGPTN), as on Linux x86_64 and arm64.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        guard master >= 0 else { throw Failure(description: "cannot open /dev/ptmx") }
        defer { close(master) }
        var unlock: CInt = 0, number: CInt = 0
        guard ioctl(master, 0x4004_5431, &unlock) == 0, ioctl(master, 0x8004_5430, &number) == 0 else {
            throw Failure(description: "cannot unlock the pseudo-terminal")
        }
        let slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw Failure(description: "cannot open /dev/pts/\(number)") }
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)

        let scratch = TempDirectory("rekey-tty")
        func handle(_ stream: Stream, _ name: String) throws -> FileHandle {
            switch stream {
            case .terminal: return FileHandle(fileDescriptor: slave, closeOnDealloc: false)
            case .null: return FileHandle.nullDevice
            case .file:
                _ = FileManager.default.createFile(atPath: scratch.file(name), contents: nil)
                return try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.file(name)))
            }
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { current, _ in current }
        process.standardInput = try handle(streams.0, "stdin")
        process.standardOutput = try handle(streams.1, "stdout")
        process.standardError = try handle(streams.2, "stderr")
        try process.run()

        var screen: [UInt8] = []
        func drain() {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(master, &buffer, buffer.count)
                if count <= 0 { break }
                screen += buffer[0..<count]
            }
        }
        for step in script {
            let deadline = Date().addingTimeInterval(20)
            while !String(decoding: screen, as: UTF8.self).contains(step.waitFor) {
                guard Date() < deadline, process.isRunning else {
                    process.terminate()
                    throw Failure(description: "never saw \"\(step.waitFor)\" on the terminal; it showed: \(String(decoding: screen, as: UTF8.self))")
                }
                usleep(10_000)
                drain()
            }
            let bytes = Array(step.type.utf8)
            _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
        }
        process.waitUntilExit()
        drain()
        close(slave)
        let contents: (String) -> String = { name in
            String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: scratch.file(name)))) ?? Data(), as: UTF8.self)
        }
        return Result(status: process.terminationStatus, screen: String(decoding: screen, as: UTF8.self),
                      stdout: contents("stdout"), stderr: contents("stderr"))
    }
}
