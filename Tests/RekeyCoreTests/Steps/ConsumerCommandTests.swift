import Foundation
import Testing
import TestSupport
@testable import RekeyCore

/// The runner of reload and verify commands, with real programs.
@Suite("Consumer commands")
struct ConsumerCommandTests {
    @Test("exit status, not found, relative names looked up on PATH")
    func outcomes() async {
        #expect(await ConsumerCommand(argv: ["/bin/sh", "-c", "exit 0"], environment: [:], timeout: .seconds(120)).run() == .exited(0))
        #expect(await ConsumerCommand(argv: ["/bin/sh", "-c", "exit 3"], environment: [:], timeout: .seconds(120)).run() == .exited(3))
        #expect(await ConsumerCommand(argv: ["sh", "-c", "exit 4"], environment: [:], timeout: .seconds(120)).run() == .exited(4))
        #expect(await ConsumerCommand(argv: ["/nonexistent/reload"], environment: [:], timeout: .seconds(120)).run() == .notFound)
        #expect(await ConsumerCommand(argv: ["no-such-program-anywhere"], environment: [:], timeout: .seconds(120)).run() == .notFound)
        #expect(await ConsumerCommand(argv: ["/etc/passwd"], environment: [:], timeout: .seconds(120)).run() == .notFound)
    }

    @Test("a command past its timeout is ended with everything it started, promptly")
    func timeout() async throws {
        let directory = TempDirectory()
        let pidFile = directory.file("pid")
        let started = Date()
        let outcome = await ConsumerCommand(argv: ["/bin/sh", "-c", "sleep 600 & echo $! > \(pidFile); wait"], environment: [:],
                                            timeout: .seconds(5)).run()
        #expect(outcome == .timedOut)
        // Generous (the whole suite runs beside it on 2 cores), far below the child's 600 s.
        #expect(Date().timeIntervalSince(started) < 180, "not hanging")
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first
        #expect(state == nil || state == "Z", "the command's child still runs")
    }

    @Test("a command ended because rekey was asked to stop is reported as stopped, not as a timeout")
    func stoppedIsNoTimeout() async throws {
        let directory = TempDirectory()
        let pidFile = directory.file("child.pid")
        let started = Date()
        let task = Task {
            await ConsumerCommand(argv: ["/bin/sh", "-c", "sleep 600 & echo $! > \(pidFile); wait"], environment: [:],
                                  timeout: .seconds(600)).run()
        }
        while !FileManager.default.fileExists(atPath: pidFile), Date().timeIntervalSince(started) < 60 {
            try await Task.sleep(for: .milliseconds(20))
        }
        task.cancel()
        let outcome = await task.value
        #expect(outcome == .stopped)
        #expect(outcome.description == "was ended because rekey was asked to stop")
        #expect(Date().timeIntervalSince(started) < 180, "not hanging")
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first
        #expect(state == nil || state == "Z", "the command's child still runs")
    }

    @Test("the command sees exactly the given environment plus the fixed PATH, and none of rekey's descriptors")
    func environmentAndDescriptors() async throws {
        let directory = TempDirectory()
        let out = directory.file("out")
        let fds = directory.file("fds")
        // A descriptor opened without O_CLOEXEC, as a careless library might. Whatever number it
        // gets: forcing one with dup2 would close a descriptor another test (a server socket)
        // holds in this shared process, which crashed a CI run.
        let held = open("/etc/passwd", O_RDONLY)
        try #require(held > 2)
        defer { close(held) }
        #expect(fcntl(held, F_GETFD) & FD_CLOEXEC == 0)
        let outcome = await ConsumerCommand(argv: ["/bin/sh", "-c", "/usr/bin/env > \(out); ls /proc/$$/fd > \(fds)"],
                                            environment: ["REKEY_CONSUMER": "web"], timeout: .seconds(120)).run()
        #expect(outcome == .exited(0))
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").map(String.init)
        let names = Set(lines.compactMap { $0.split(separator: "=").first.map(String.init) }).subtracting(["PWD", "SHLVL", "_", "OLDPWD"])
        #expect(names == ["PATH", "REKEY_CONSUMER"], "\(lines)")
        #expect(lines.contains("PATH=\(ConsumerCommand.childPath)"))
        let open = try String(contentsOfFile: fds, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
        #expect(!open.contains(held), "descriptor \(held) was inherited: \(open)")
    }
}
