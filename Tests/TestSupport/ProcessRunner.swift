import CLinux
import Foundation

/// Runs a built executable of this package as a child process, as a user would from a shell.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var arguments: [String]
    /// True when the process was killed by a signal (then `status` is the signal number).
    public var signalled: Bool = false

    /// Everything a person could have seen.
    public var combined: String { stdout + "\n" + stderr }
}

public enum ProcessRunner {
    /// Locates a product of this package: `$REKEY_BIN`-style override, else next to the test bundle.
    public static func executable(_ product: String, override variable: String) -> String {
        if let path = ProcessInfo.processInfo.environment[variable], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ]
        for directory in candidates {
            let path = directory.appendingPathComponent(product).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        fatalError("cannot find the \(product) executable; run the tests through scripts/test or set \(variable)")
    }

    public static var rekey: String { executable("rekey", override: "REKEY_BIN") }
    public static var standIn: String { executable("gitea-standin", override: "GITEA_STANDIN_BIN") }
    /// The test-only `toy-rekey` (rekey with a toy step registered; Tests/ToyRekey).
    public static var toyRekey: String { executable("toy-rekey", override: "TOY_REKEY_BIN") }

    /// Runs `executable` with `arguments`, feeding `stdin`, with exactly `environment` (plus PATH).
    /// The blocking waits happen on a thread of their own: the Swift concurrency pool (which also
    /// serves an in-process stand-in server) must never be blocked by a child process.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String], stdin: String = "") async throws -> ProcessResult {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try runBlocking(executable, arguments, environment: environment, stdin: stdin) })
            }
            thread.start()
        }
    }

    /// Starts `executable` and returns at once, for tests that kill it from outside.
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Process {
        let process = configured(executable, arguments, environment: environment)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs to completion. Standard input, output and error are temp files, not pipes: a pipe's
    /// write end can be inherited by another test's child spawned at the same moment, and reading
    /// such a pipe to its end would wait for that unrelated process too.
    ///
    /// The child is started with `posix_spawn` (every descriptor above 2 closed, default signal
    /// handling) and waited for with `waitpid` on its own pid, on the calling thread: not through
    /// Foundation's `Process`, whose exits are all collected by one shared thread that a single
    /// slow or stuck child can hold up, which hung a whole test run.
    public static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String], stdin: String = "") throws -> ProcessResult {
        let scratch = TempDirectory("rekey-process")
        let inPath = scratch.file("stdin"), outPath = scratch.file("stdout"), errPath = scratch.file("stderr")
        try Data(stdin.utf8).write(to: URL(fileURLWithPath: inPath))
        var env = environment
        env["PATH"] = env["PATH"] ?? "/usr/bin:/bin"
        let (status, signalled) = try spawnAndWait(executable, [executable] + arguments, environment: env,
                                                   stdin: inPath, stdout: outPath, stderr: errPath)
        return ProcessResult(
            status: status,
            stdout: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data(), as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data(), as: UTF8.self),
            arguments: arguments,
            signalled: signalled
        )
    }

    /// `posix_spawn` then `waitpid`: the exit status, or the signal number and `true`.
    static func spawnAndWait(_ executable: String, _ argv: [String], environment: [String: String],
                             stdin: String, stdout: String, stderr: String) throws -> (Int32, Bool) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        rekey_spawn_close_from(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        func cStrings(_ strings: [String]) -> [UnsafeMutablePointer<CChar>?] { strings.map { strdup($0) } + [nil] }
        let cArgv = cStrings(argv), cEnv = cStrings(environment.map { "\($0.key)=\($0.value)" })
        defer { (cArgv + cEnv).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, cArgv, cEnv)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
        let signal = status & 0x7f
        return signal == 0 ? ((status >> 8) & 0xff, false) : (signal, true)
    }

    /// A process for `executable` with exactly `environment` (plus a PATH when it has none).
    private static func configured(_ executable: String, _ arguments: [String], environment: [String: String]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = environment
        env["PATH"] = env["PATH"] ?? "/usr/bin:/bin"
        process.environment = env
        return process
    }
}
