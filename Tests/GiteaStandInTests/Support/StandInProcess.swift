import Foundation
import TestSupport

/// The real `gitea-standin` executable, started with stdout and stderr in files, for tests of
/// its flags and of what it logs.
final class StandInProcess {
    let process: Process
    let url: String
    private let directory: TempDirectory

    struct NoURL: Error, CustomStringConvertible {
        let stderr: String
        var description: String { "gitea-standin printed no URL within 20 s; stderr: \(stderr)" }
    }

    /// Starts it and waits (at most 20 s) for the URL it prints as its first line.
    init(_ arguments: [String]) async throws {
        directory = TempDirectory("standin-process")
        let out = directory.file("stdout"), err = directory.file("stderr")
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessRunner.standIn)
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        var line: String?
        while Date() < deadline, process.isRunning {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if let newline = text.firstIndex(of: "\n") {
                line = String(text[..<newline])
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let line else {
            if process.isRunning { process.terminate() }
            throw NoURL(stderr: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
        }
        url = line
    }

    /// Sends SIGTERM, waits for the exit (at most 20 s) and returns everything it wrote to stderr.
    func stop() async throws -> String {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        return (try? String(contentsOfFile: directory.file("stderr"), encoding: .utf8)) ?? ""
    }
}
