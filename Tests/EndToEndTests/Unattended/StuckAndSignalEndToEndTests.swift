import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// The retry budget across runs (stuck), and SIGTERM during an unattended invocation.
@Suite("unattended: stuck consumers and signals, end to end")
struct StuckAndSignalEndToEndTests {
    @Test("max_failures failed probes make the consumer stuck: skipped with no request; an interactive success clears it")
    func stuckAfterFailedProbes() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "max_failures: 2")
            for attempt in 1...2 {
                await host.addFault(FaultRule(route: .user, times: 1, login: "somebody-else"))
                let result = try await host.unattended()
                #expect(result.status == 80, "attempt \(attempt): \(result.combined)")
                #expect(host.currentToken == host.oldToken)
            }
            #expect(try host.statusRecord(host.consumer)["stuck"] as? Bool == true)

            let start = await host.requestCount
            let skipped = try await host.unattended(["--json"])
            #expect(skipped.status == 80, "\(skipped.combined)")
            #expect(await host.requests(since: start).isEmpty)
            let json = try JSONSerialization.jsonObject(with: Data(skipped.stdout.utf8)) as? [String: Any]
            #expect((json?["consumers"] as? [[String: Any]])?.first?["outcome"] as? String == "stuck")
            #expect(skipped.stderr.contains("rekey unstick e2e-host"), "\(skipped.stderr)")

            let status = try await host.rekey(["status"])
            #expect(status.status == 1 && status.stdout.contains("STUCK"), "\(status.combined)")

            // An operator's interactive run that succeeds clears it.
            let interactive = try await host.rekey(["run", host.playbookPath])
            #expect(interactive.status == 0, "\(interactive.combined)")
            #expect(try host.statusRecord(host.consumer)["stuck"] as? Bool == false)
            let again = try await host.unattended()
            #expect(again.status == 0 && again.stderr.isEmpty, "\(again.combined)")
        }
    }

    @Test("rekey unstick clears a stuck consumer")
    func unstick() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "max_failures: 1")
            await host.addFault(FaultRule(route: .user, times: 1, login: "somebody-else"))
            #expect(try await host.unattended().status == 80)
            #expect(try host.statusRecord(host.consumer)["stuck"] as? Bool == true)
            let unstuck = try await host.rekey(["unstick", host.consumer])
            #expect(unstuck.status == 0 && unstuck.stdout.contains("unstuck e2e-host"), "\(unstuck.combined)")
            let again = try await host.unattended()
            #expect(again.status == 0, "\(again.combined)")
            #expect(host.currentToken != host.oldToken)
        }
    }

    @Test("a server failing three times (69) never makes the consumer stuck")
    func outageDoesNotCount() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            await host.addFault(FaultRule(route: .mint, times: 0, status: 503))
            for _ in 1...3 {
                let result = try await host.unattended(["--retries", "0"])
                #expect(result.status == 69, "\(result.combined)")
            }
            let record = try host.statusRecord(host.consumer)
            #expect(record["stuck"] as? Bool == false && record["failuresInRow"] as? Int == 0)
            await host.server.clearFaults()
            #expect(try await host.unattended().status == 0)
            #expect(host.currentToken != host.oldToken)
        }
    }

    @Test("SIGTERM during a rotation: exit 75, and the run is complete or recoverable; the file holds a working token")
    func sigtermMidRun() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            await host.addFault(FaultRule(route: .mint, times: 1, delayMilliseconds: 2000))
            let process = try ProcessRunner.start(ProcessRunner.rekey, ["run", "--unattended", host.playbookPath], environment: host.environment)
            let marker = host.statePath + "/runs/active/\(host.consumer)"
            for _ in 0..<200 where !FileManager.default.fileExists(atPath: marker) { try await Task.sleep(for: .milliseconds(25)) }
            kill(process.processIdentifier, SIGTERM)
            #expect(await waitForExit(process) == 75)
            // The signal came while the mint was in flight: the rewrite never started, the token
            // minted was deleted in the same run, and a stop never counts towards stuck.
            #expect(host.currentToken == host.oldToken)
            let record = try host.statusRecord(host.consumer)
            #expect(record["lastExitCode"] as? Int == 75 && record["failuresInRow"] as? Int == 0, "\(record)")
            #expect(await host.serverTokens().count == 1)
            let recover = try await host.rekey(["recover"])
            #expect(recover.status == 0, "\(recover.combined)")
            #expect(!FileManager.default.fileExists(atPath: marker))
            #expect(try await host.client.login(of: SecretBytes(utf8: host.currentToken)) == host.persona)
        }
    }

    @Test("SIGTERM ends the jitter sleep at once: exit 75, no request made")
    func sigtermEndsJitter() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let start = await host.requestCount
            let started = ContinuousClock.now
            let process = try ProcessRunner.start(ProcessRunner.rekey, ["run", "--unattended", "--jitter", "1h", host.playbookPath],
                                                  environment: host.environment)
            try await Task.sleep(for: .seconds(1))
            kill(process.processIdentifier, SIGTERM)
            #expect(await waitForExit(process, limit: .seconds(20)) == 75)
            #expect(ContinuousClock.now - started < .seconds(20))
            #expect(await host.requests(since: start).isEmpty)
            #expect(host.currentToken == host.oldToken)
        }
    }
}

@Suite("unattended: an unfinished run is recovered first")
struct UnfinishedRunEndToEndTests {
    @Test("a run killed after the rewrite is finished by the next unattended run, which counts it as a rotation (not due)")
    func recoveredFirst() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "every: 30d")
            let killed = try await host.rekey(["run", host.playbookPath], environment: ["REKEY_TEST_CRASH_AT": "after-rewrite"])
            #expect(killed.signalled, "\(killed.combined)")
            let marker = host.statePath + "/runs/active/\(host.consumer)"
            let crashedRun = try String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let result = try await host.unattended(["--json"])
            #expect(result.status == 0 && result.stderr.isEmpty, "\(result.combined)")
            #expect(!FileManager.default.fileExists(atPath: marker))
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let consumer = try #require((json?["consumers"] as? [[String: Any]])?.first)
            #expect(consumer["outcome"] as? String == "not-due")
            #expect(Set(consumer.keys) == ["consumer", "playbook", "outcome", "changed", "failed", "msg", "rc", "run", "token", "drift"])
            #expect(Set(json?.keys.map { $0 } ?? []) == ["changed", "failed", "msg", "rc", "consumers"])
            let record = try host.statusRecord(host.consumer)
            #expect(record["lastRun"] as? String == crashedRun && record["lastOutcome"] as? String == "rotated")
            #expect(host.currentToken != host.oldToken)
            #expect(try await host.client.login(of: SecretBytes(utf8: host.currentToken)) == host.persona)
        }
    }
}
