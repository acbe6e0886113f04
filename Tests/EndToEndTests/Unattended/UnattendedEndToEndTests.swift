import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// `rekey run --unattended`: the real binary against the stand-in, on a real disk.
@Suite("rekey run --unattended, end to end")
struct UnattendedEndToEndTests {
    @Test("not due: exit 0, exactly one request (GET /api/v1/user with the file's token), stdout and stderr empty")
    func notDue() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "every: 30d")
            let first = try await host.unattended()
            #expect(first.status == 0 && first.stdout.isEmpty && first.stderr.isEmpty, "\(first.combined)")
            let rotated = host.currentToken
            #expect(rotated != host.oldToken)

            let start = await host.requestCount
            let second = try await host.unattended()
            #expect(second.status == 0, "\(second.combined)")
            #expect(second.stdout.isEmpty && second.stderr.isEmpty, "\(second.combined)")
            #expect(await host.requests(since: start) == ["GET /api/v1/user"])
            #expect(host.currentToken == rotated)
        }
    }

    @Test("a revoked token while not due is healed at once; --max-heal caps it with no mint")
    func selfHeal() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "every: 30d")
            #expect(try await host.unattended().status == 0)
            let rotated = host.currentToken
            let id = try #require(await host.serverTokens().first { $0.lastEight == String(rotated.suffix(8)) }?.id)
            try await host.client.deleteToken(persona: host.persona, id: id, auth: host.credential)

            // Cap 0: reported, nothing minted, file untouched.
            let start = await host.requestCount
            let capped = try await host.unattended(["--max-heal", "0"])
            #expect(capped.status == 77, "\(capped.combined)")
            #expect(capped.stderr.contains("e2e-host") && capped.stderr.contains("--max-heal"), "\(capped.stderr)")
            #expect(!(await host.requests(since: start)).contains(EndToEndHost.mintCall))
            #expect(host.currentToken == rotated)

            let healed = try await host.unattended(["--json"])
            #expect(healed.status == 0, "\(healed.combined)")
            #expect(healed.stderr.isEmpty)
            let json = try JSONSerialization.jsonObject(with: Data(healed.stdout.utf8)) as? [String: Any]
            let consumer = try #require((json?["consumers"] as? [[String: Any]])?.first)
            #expect(consumer["outcome"] as? String == "healed")
            #expect(consumer["changed"] as? Bool == true && json?["changed"] as? Bool == true)
            #expect(host.currentToken != rotated)
            #expect(try await host.client.login(of: SecretBytes(utf8: host.currentToken)) == host.persona)
        }
    }

    @Test("the self-heal cap holds across consumers: three rejected tokens, --max-heal 2, two healed")
    func healCapAcrossConsumers() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            for name in ["c1", "c2", "c3"] { try await host.addConsumer(name, extra: "every: 30d") }
            let books = host.directory.file("books")
            #expect(try await host.unattended(paths: [books]).status == 0)
            for name in ["c1", "c2", "c3"] {
                let value = host.token(in: host.directory.file("\(name).env"))
                let id = try #require(await host.serverTokens().first { $0.lastEight == String(value.suffix(8)) }?.id)
                try await host.client.deleteToken(persona: host.persona, id: id, auth: host.credential)
            }
            let result = try await host.unattended(["--max-heal", "2", "--json"], paths: [books])
            #expect(result.status == 77, "\(result.combined)")
            let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let outcomes = ((json?["consumers"] as? [[String: Any]]) ?? []).compactMap { $0["outcome"] as? String }
            #expect(outcomes.filter { $0 == "healed" }.count == 2 && outcomes.filter { $0 == "failed" }.count == 1, "\(outcomes)")
        }
    }

    @Test("503 twice on the mint, then success: rotated with exactly three mint attempts")
    func mintRetried() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            await host.addFault(FaultRule(route: .mint, times: 2, status: 503))
            let start = await host.requestCount
            let result = try await host.unattended(["--retries", "4"])
            #expect(result.status == 0, "\(result.combined)")
            #expect(await host.requests(since: start).filter { $0 == EndToEndHost.mintCall }.count == 3)
            #expect(try await host.client.login(of: SecretBytes(utf8: host.currentToken)) == host.persona)
            // No stray token: the old one and the new one.
            #expect(await host.serverTokens().count == 2)
        }
    }

    @Test("400, and 401 for a persona without TOTP, are not retried", arguments: [400, 401])
    func clientErrorsNotRetried(status: Int) async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            await host.addFault(FaultRule(route: .mint, times: 0, status: status))
            let start = await host.requestCount
            let result = try await host.unattended(["--retries", "4"])
            #expect(result.status == (status == 400 ? 78 : 77), "\(result.combined)")
            #expect(await host.requests(since: start).filter { $0 == EndToEndHost.mintCall }.count == 1)
            #expect(host.envBytes == before)
            #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains("e2e-host") && result.stderr.contains("mint"),
                    "\(result.stderr)")
        }
    }

    @Test("a stuck server: exit 69 within the deadline, file unchanged, lock released")
    func stuckServer() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            await host.addFault(FaultRule(route: .any, times: 0, delayMilliseconds: 20_000))
            let started = ContinuousClock.now
            let result = try await host.unattended(["--timeout", "2", "--deadline", "6s", "--retries", "1"])
            #expect(result.status == 69, "\(result.combined)")
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(host.envBytes == before)
            let lock = try ConsumerLock.acquire(StateDirectory(root: host.statePath), consumer: host.consumer, wait: false)
            lock.release()
            #expect(!FileManager.default.fileExists(atPath: host.statePath + "/runs/active/\(host.consumer)"))
        }
    }

    @Test("standard input closed, or a terminal that never answers: no hang, no prompt")
    func neverReadsStandardInput() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "every: 30d")
            let closed = try await ProcessRunner.run(ProcessRunner.rekey, ["run", "--unattended", host.playbookPath], environment: host.environment)
            #expect(closed.status == 0, "\(closed.combined)")
            let terminal = try await Terminal.run(ProcessRunner.rekey, ["run", "--unattended", host.playbookPath], environment: host.environment,
                                                  stdin: .terminal, stdout: .file, stderr: .file)
            #expect(terminal.status == 0, "\(terminal.stderr)")
            #expect(terminal.screen.isEmpty && terminal.stdout.isEmpty && terminal.stderr.isEmpty)
        }
    }

    @Test("ten consumers, one failing: nine rotated, the failure's exit code, one stderr line")
    func tenConsumers() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            var before: [String: String] = [:]
            for index in 0..<10 {
                let name = "consumer-\(index)"
                try await host.addConsumer(name, envText: index == 4 ? "OTHER=1\n" : nil)
                before[name] = host.token(in: host.directory.file("\(name).env"))
            }
            let result = try await host.unattended(["--parallel", "3"], paths: [host.directory.file("books")])
            #expect(result.status == 65, "\(result.combined)")
            #expect(result.stdout.isEmpty)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains("consumer-4") && lines[0].contains("next:"), "\(result.stderr)")
            for index in 0..<10 where index != 4 {
                let name = "consumer-\(index)"
                let now = host.token(in: host.directory.file("\(name).env"))
                #expect(now != before[name] && now.count == 40, "\(name) not rotated")
            }
        }
    }

    @Test("two concurrent invocations on one consumer: one skips it with 75, the file holds the other's working token")
    func concurrentInvocations() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            await host.addFault(FaultRule(route: .mint, times: 1, delayMilliseconds: 3000))
            let first = try ProcessRunner.start(ProcessRunner.rekey, ["run", "--unattended", host.playbookPath], environment: host.environment)
            // Wait until the first holds the consumer (its run is marked active).
            let marker = host.statePath + "/runs/active/\(host.consumer)"
            for _ in 0..<200 where !FileManager.default.fileExists(atPath: marker) { try await Task.sleep(for: .milliseconds(25)) }
            let second = try await host.unattended(["--json"])
            #expect(second.status == 75, "\(second.combined)")
            let json = try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any]
            #expect((json?["consumers"] as? [[String: Any]])?.first?["outcome"] as? String == "busy")
            #expect(await waitForExit(first) == 0)
            #expect(try await host.client.login(of: SecretBytes(utf8: host.currentToken)) == host.persona)
            #expect(host.currentToken != host.oldToken)
        }
    }

    @Test("a missing vault entry fails that consumer at once with 77 and no request")
    func missingVaultEntry() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "")
            let text = try String(contentsOfFile: host.playbookPath, encoding: .utf8)
                .replacingOccurrences(of: "  persona: ops-automation", with: "  persona: ops-automation\n  auth: nobody-stored")
            try host.directory.write("playbook.yml", text)
            let start = await host.requestCount
            let result = try await host.unattended()
            #expect(result.status == 77, "\(result.combined)")
            #expect(result.stderr.contains("vault entry nobody-stored is missing") && result.stderr.contains("rekey vault set"))
            #expect(await host.requests(since: start).isEmpty)
        }
    }

    @Test("a playbook directory writable by others is refused (78); the other paths still run")
    func untrustedDirectory() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try await host.addConsumer("loose", in: "loose")
            chmod(host.directory.file("loose"), 0o777)
            let result = try await host.unattended(paths: [host.directory.file("loose"), host.playbookPath])
            #expect(result.status == 78, "\(result.combined)")
            #expect(result.stderr.contains("writable by group or others"))
            #expect(host.currentToken != host.oldToken)
        }
    }
}
