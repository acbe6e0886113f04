import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// The attack of issue 8: the env file lives in a directory its application's account owns; that
/// account swaps a symlink to a root-only file over the env file while rekey (root) runs. Whatever
/// the exit code, the root-only file is never written.
///
/// The deterministic cases pause the real binary at each point between its first read and its
/// rename (`REKEY_TEST_PAUSE_AT`, test builds only), let `nobody` swap the link in, and let it go.
/// The racing case runs `nobody` swapping in a tight loop during whole rotations and restores.
@Suite("symlink swaps by another account, end to end", .serialized)
struct SymlinkSwapEndToEndTests {
    /// The app's directory (owned by nobody), its env file (owned by nobody), and the root-only file.
    struct Scene {
        let host: EndToEndHost
        let app: String
        let env: String
        let victim: HostileHost.RootOnlyFile
        var pauseFile: String { host.directory.file("pause") }

        init(_ host: EndToEndHost) async throws {
            self.host = host
            try await host.setUp()
            chmod(host.directory.path, 0o711)  // nobody may reach its own directory inside
            app = host.directory.file("app")
            mkdir(app, 0o755)
            chown(app, HostileHost.nobody, HostileHost.nogroup)
            env = app + "/app.env"
            try Data(host.envBytes).write(to: URL(fileURLWithPath: env))
            chown(env, HostileHost.nobody, HostileHost.nogroup)
            chmod(env, 0o640)
            victim = try HostileHost.RootOnlyFile(in: host.directory)
            try host.writePlaybook(target: env)
        }

        /// As nobody: a symlink to the root-only file renamed over the env file.
        func swap() async throws {
            let result = try await HostileHost.runAsNobody("ln -sfn '\(victim.path)' '\(app)/.swap' && mv -Tf '\(app)/.swap' '\(env)'")
            #expect(result.status == 0, "the attacker's swap failed: \(result.stderr)")
        }

        /// Runs rekey with a pause at `point`; at the `swapAt`-th pause (from 1) nobody swaps the link in.
        func run(_ arguments: [String], pauseAt point: String, swapAt: Int) async throws -> (ProcessResult, swapped: Bool) {
            let done = DoneFlag()
            let host = self.host
            let environment = [CrashPoint.pauseVariable: point, CrashPoint.pauseFileVariable: pauseFile]
            let task = Task { [host, arguments, environment, done] in
                defer { done.set() }
                return try await host.rekey(arguments, environment: environment)
            }
            var pauses = 0
            var swapped = false
            let deadline = ContinuousClock.now + .seconds(60)
            while !done.isSet && ContinuousClock.now < deadline {
                if access(pauseFile, F_OK) == 0 {
                    pauses += 1
                    if pauses == swapAt { try await swap(); swapped = true }
                    unlink(pauseFile)
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            return (try await task.value, swapped)
        }
    }

    /// Every point between rotate's first read of the file and its rename.
    static let rotatePoints = ["after-validate", "after-backup", "mint-before-request", "after-mint", "atomic-after-temp-write:app.env"]

    @Test("rotate: a symlink swapped in at any point is never written through", arguments: rotatePoints)
    func rotate(point: String) async throws {
        if let reason = HostileHost.rootMissing { print("skipped: \(reason)"); return }
        try await EndToEndHost.with { host in
            let scene = try await Scene(host)
            let (result, swapped) = try await scene.run(["run", host.playbookPath], pauseAt: point, swapAt: 1)
            #expect(swapped, "rekey never paused at \(point)")
            #expect(scene.victim.tampering == nil)
            #expect(result.status == 65, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stderr.contains("changed while rekey was running"), "\(result.stderr)")
            // The link the attacker planted is left as it is, and the token this run minted is gone.
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: scene.env)) == scene.victim.path)
            #expect(await host.serverTokens().map(\.lastEight) == [String(host.oldToken.suffix(8))])
        }
    }

    /// The points of a restore after a failed probe: before it starts, and with its temp file written
    /// (the second time the env file's temp file is written in that run).
    static let restorePoints: [(String, Int)] = [("restore-before-write:app.env", 1), ("atomic-after-temp-write:app.env", 2)]

    @Test("restore after a failed probe: a symlink swapped in is never written through", arguments: restorePoints)
    func restore(point: String, occurrence: Int) async throws {
        if let reason = HostileHost.rootMissing { print("skipped: \(reason)"); return }
        try await EndToEndHost.with { host in
            let scene = try await Scene(host)
            await host.addFault(FaultRule(route: .user, times: 1, login: "somebody-else"))
            let (result, swapped) = try await scene.run(["run", host.playbookPath], pauseAt: point, swapAt: occurrence)
            #expect(swapped, "rekey never paused at \(point) #\(occurrence)")
            #expect(scene.victim.tampering == nil)
            // The file is the attacker's now: rekey says it could not restore, and where the backup is.
            #expect(result.status == 82, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.combined.contains("could not restore \(scene.env)"), "\(result.combined)")
        }
    }

    @Test("rollback: a symlink swapped in before its restore is never written through",
          arguments: ["rollback-after-intent", "atomic-after-temp-write:app.env"])
    func rollback(point: String) async throws {
        if let reason = HostileHost.rootMissing { print("skipped: \(reason)"); return }
        try await EndToEndHost.with { host in
            let scene = try await Scene(host)
            let rotated = try await host.rekey(["run", host.playbookPath])
            #expect(rotated.status == 0, "stderr: \(rotated.stderr)")
            let (result, swapped) = try await scene.run(["rollback", host.consumer], pauseAt: point, swapAt: 1)
            #expect(swapped, "rekey never paused at \(point)")
            #expect(scene.victim.tampering == nil)
            #expect(result.status == 82, "stdout: \(result.stdout) stderr: \(result.stderr)")
        }
    }

    @Test("recover: a symlink swapped in before it restores a dead run's file is never written through")
    func recover() async throws {
        if let reason = HostileHost.rootMissing { print("skipped: \(reason)"); return }
        try await EndToEndHost.with { host in
            let scene = try await Scene(host)
            let crashed = try await host.rekey(["run", host.playbookPath], environment: [CrashPoint.environmentVariable: "after-rewrite"])
            #expect(crashed.signalled, "the run was not killed: \(crashed.stderr)")
            // The new token no longer proves itself: recover must restore the backup.
            await host.addFault(FaultRule(route: .user, times: 1, login: "somebody-else"))
            let (result, swapped) = try await scene.run(["recover"], pauseAt: "restore-before-write:app.env", swapAt: 1)
            #expect(swapped, "recover never paused before restoring")
            #expect(scene.victim.tampering == nil)
            #expect(result.status != 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
        }
    }

    @Test("an attacker swapping in a loop during rotations and restores never gets the root-only file written")
    func racing() async throws {
        if let reason = HostileHost.rootMissing { print("skipped: \(reason)"); return }
        try await EndToEndHost.with { host in
            let scene = try await Scene(host)
            let attacker = try HostileHost.startAsNobody("""
                cd '\(scene.app)' && cp app.env .good || exit 1
                while :; do
                  ln -sfn '\(scene.victim.path)' .l && mv -Tf .l app.env
                  cp .good .g && mv -Tf .g app.env
                  i=$(( ${i:-0} + 1 )); sleep 0.0$(( i % 7 ))
                done
                """)
            defer { attacker.terminate(); attacker.waitUntilExit() }
            var statuses: [Int32] = []
            for round in 0..<6 {
                // Every other round, the probe fails and the run restores the file.
                if round % 2 == 1 { await host.addFault(FaultRule(route: .user, times: 1, login: "somebody-else")) }
                let result = try await host.rekey(["run", host.playbookPath])
                statuses.append(result.status)
                #expect(scene.victim.tampering == nil, "after round \(round), exit \(result.status): \(result.stderr)")
                #expect(result.status != 70, "an internal error: \(result.stderr)")
                if result.status == 75 || result.status == 82 || result.status == 81 {
                    _ = try await host.rekey(["recover"])
                    #expect(scene.victim.tampering == nil)
                }
            }
            #expect(attacker.isRunning, "the attacker loop stopped early")
            print("racing swaps: exit codes \(statuses)")
        }
    }
}
