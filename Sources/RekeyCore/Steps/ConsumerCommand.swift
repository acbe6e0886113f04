import Foundation
import Subprocess
import SystemPackage

/// Runs a reload or verify command for a consumer: argv only (no shell), a fixed small environment
/// that never holds the token, standard input/output/error not connected, no descriptor of rekey's
/// inherited (swift-subprocess closes every descriptor above 2 in the child), in a process group of
/// its own so that a timeout ends the command and everything it started.
public struct ConsumerCommand: Sendable {
    /// The PATH the command sees. A bare program name in the playbook is looked up on rekey's own PATH
    /// (what cron or systemd gave it), but the command itself gets only this.
    public static let childPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    /// How long a command gets after SIGTERM (on a timeout) before SIGKILL.
    static let graceAfterTerminate: Duration = .seconds(2)

    public var argv: [String]
    public var environment: [String: String]
    public var timeout: Duration

    public init(argv: [String], environment: [String: String], timeout: Duration) {
        self.argv = argv
        self.environment = environment
        self.timeout = timeout
    }

    public enum Outcome: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
        case timedOut
        /// rekey itself was asked to stop (SIGTERM to an unattended run cancels its consumers): the
        /// command was ended like on a timeout, but it is no timeout of the command's.
        case stopped
        case notFound
        case couldNotStart
    }

    /// Runs the command to its end or its timeout. Never throws: every way of failing is an outcome.
    public func run() async -> Outcome {
        guard let program = argv.first, let path = Self.resolve(program) else { return .notFound }
        let options = Self.options
        let environment = environment.merging(["PATH": Self.childPath]) { _, path in path }
        let arguments = Array(argv.dropFirst())
        let timeout = timeout

        return await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                do {
                    let result = try await Subprocess.run(
                        .path(FilePath(path)), arguments: Arguments(arguments), environment: .custom(Self.keys(environment)),
                        platformOptions: options, input: .none, output: .discarded, error: .discarded)
                    switch result.terminationStatus {
                    case .exited(let code): return .exited(code)
                    case .signaled(let signal): return .signaled(signal)
                    }
                } catch is CancellationError {
                    return nil
                } catch let error as SubprocessError where error.code == .executableNotFound {
                    return .notFound
                } catch {
                    return Task.isCancelled ? nil : .couldNotStart
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return Task.isCancelled ? nil : .timedOut
            }
            // The first to finish decides; cancelling the other ends the sleep, or tears the command
            // down (SIGTERM to its group, SIGKILL after the grace) and waits for it to be gone.
            let first = await group.next() ?? nil
            group.cancelAll()
            var late: [Outcome] = []
            for await outcome in group { if let outcome { late.append(outcome) } }
            // Nothing decided before this task itself was cancelled: rekey was asked to stop, and
            // the command was ended for that (it then reports SIGTERM, which is no fault of its own).
            if first == nil, Task.isCancelled { return .stopped }
            return first ?? late.first ?? .timedOut
        }
    }

    /// A process group of its own; on cancellation SIGTERM to the group, SIGKILL after the grace.
    private static var options: PlatformOptions {
        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [.send(signal: .terminate, toProcessGroup: true, allowedDurationToNextStep: graceAfterTerminate)]
        return options
    }

    private static func keys(_ environment: [String: String]) -> [Environment.Key: String] {
        Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(stringLiteral: $0.key), $0.value) })
    }

    /// An absolute path as is; a bare name on rekey's own PATH, the first executable regular file.
    static func resolve(_ program: String) -> String? {
        if program.hasPrefix("/") { return isExecutableFile(program) ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? childPath
        for directory in path.split(separator: ":") where directory.hasPrefix("/") {
            let candidate = "\(directory)/\(program)"
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }
}

extension ConsumerCommand.Outcome: CustomStringConvertible {
    public var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal): "was killed by signal \(signal)"
        case .timedOut: "did not finish within its timeout and was killed"
        case .stopped: "was ended because rekey was asked to stop"
        case .notFound: "was not found (not an executable file, or not on PATH)"
        case .couldNotStart: "could not be started"
        }
    }

    public var succeeded: Bool { self == .exited(0) }

    /// Whether the program ran at all (it may have failed).
    public var started: Bool {
        switch self {
        case .exited, .signaled, .timedOut, .stopped: true
        case .notFound, .couldNotStart: false
        }
    }
}
