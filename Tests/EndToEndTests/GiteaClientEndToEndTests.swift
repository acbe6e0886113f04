import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// The real binary against the stand-in, for what issue 9 asks of the client layer: one-time codes
/// that are never replayed, https only unless loopback, answers validated, one deadline per
/// exchange, a dead run's in-flight mint, and a disabled account told from a missing scope.
@Suite("gitea client, end to end")
struct GiteaClientEndToEndTests {
    static let seed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

    /// The persona's tokens other than the one the env file started with.
    static func runTokens(_ host: EndToEndHost) async -> [StandInToken] {
        let initial = String(host.oldToken.suffix(8))
        return await host.serverTokens().filter { $0.lastEight != initial }
    }

    /// The stand-in's log of one-time-code checks: none replayed, and no step (so no code) twice in a row.
    static func expectNoCodeTwiceInARow(_ host: EndToEndHost) async {
        let checks = await host.server.otpLog().filter { $0.user == host.persona }
        #expect(!checks.isEmpty)
        #expect(checks.allSatisfy { $0.outcome == .accepted }, "\(checks)")
        let steps = checks.compactMap(\.step)
        #expect(zip(steps, steps.dropFirst()).allSatisfy { $0 != $1 }, "\(checks)")
    }

    /// Nothing the server said reached the output unescaped.
    static func expectPrintable(_ result: ProcessResult) {
        let shown = result.combined.unicodeScalars.filter { $0 != "\n" && $0 != "\t" }
        #expect(!shown.contains(where: PrintableText.isUnsafe), "unescaped control or bidi character in: \(result.combined.debugDescription)")
    }

    @Test("TOTP persona: a failed probe leaves no orphan token (exit 80)")
    func failedProbeNoOrphan() async throws {
        try await EndToEndHost.with(personaTOTPSeed: Self.seed) { host in
            try await host.setUp()
            let before = host.envBytes
            await host.addFault(FaultRule(route: .user, times: 1, status: 401))
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 80, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(host.envBytes == before)
            #expect(await Self.runTokens(host).isEmpty)
            #expect(result.stdout.contains("↩ mint"))
            // A server without DELETE /api/v1/token (404): deleted by id with Basic auth and a fresh code.
            #expect(await host.server.requestLog().contains { $0.hasPrefix("DELETE /api/v1/users/\(host.persona)/tokens/") })
            await Self.expectNoCodeTwiceInARow(host)
        }
    }

    @Test("TOTP persona: a mint answer lost after the commit is found by name and deleted")
    func lostMintAnswer() async throws {
        try await EndToEndHost.with(personaTOTPSeed: Self.seed) { host in
            try await host.setUp()
            await host.addFault(FaultRule(route: .mint, times: 1, afterCommit: true, drop: true))
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 69, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stdout.contains("found by name"))
            #expect(await Self.runTokens(host).isEmpty)
            await Self.expectNoCodeTwiceInARow(host)
        }
    }

    @Test("TOTP persona: a 503 after the server committed leaves no orphan, and the next run mints exactly once")
    func serviceUnavailableThenSuccess() async throws {
        try await EndToEndHost.with(personaTOTPSeed: Self.seed) { host in
            try await host.setUp()
            await host.addFault(FaultRule(route: .mint, times: 1, afterCommit: true, status: 503))
            let failed = try await host.rekey(["run", host.playbookPath])
            #expect(failed.status == 69, "stdout: \(failed.stdout) stderr: \(failed.stderr)")
            #expect(await Self.runTokens(host).isEmpty)
            let again = try await host.rekey(["run", host.playbookPath])
            #expect(again.status == 0, "stdout: \(again.stdout) stderr: \(again.stderr)")
            let minted = await Self.runTokens(host)
            #expect(minted.count == 1 && minted.first?.lastEight == String(host.currentToken.suffix(8)))
        }
    }

    @Test("TOTP persona: two rekey processes on one persona at the same time both succeed")
    func concurrentProcesses() async throws {
        try await EndToEndHost.with(personaTOTPSeed: Self.seed) { host in
            try await host.setUp()
            // A second consumer of the same persona: its own env file and playbook.
            let secondEnv = try host.directory.write("second.env", "GITEA_TOKEN=\(host.oldToken)\n", mode: 0o640)
            let playbook = try String(contentsOfFile: host.playbookPath, encoding: .utf8)
                .replacingOccurrences(of: "consumer: \(host.consumer)", with: "consumer: second-consumer")
                .replacingOccurrences(of: "file: \(host.envPath)", with: "file: \(secondEnv)")
            let secondPlaybook = try host.directory.write("second.yml", playbook)
            async let first = host.rekey(["run", host.playbookPath])
            async let second = host.rekey(["run", secondPlaybook])
            let results = try await [first, second]
            for result in results { #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)") }
            #expect(await Self.runTokens(host).count == 2)
            await Self.expectNoCodeTwiceInARow(host)
        }
    }

    @Test("http to a host that is not loopback is refused before any connection (exit 78), and --insecure-http allows it")
    func plainHTTPRefused() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = await host.server.requestLog()
            let remote = ["GITEA_URL": "http://gitea.example.invalid"]
            let run = try await host.rekey(["run", host.playbookPath], environment: remote)
            #expect(run.status == 78, "stderr: \(run.stderr)")
            #expect(run.stderr.contains("gitea.url in \(host.playbookPath)") && run.stderr.contains("gitea.insecure_http: true or --insecure-http"))
            let vault = try await host.rekey(["vault", "test", host.persona, "--url", "http://gitea.example.invalid"])
            #expect(vault.status == 78 && vault.stderr.contains("--url"), "stderr: \(vault.stderr)")
            // Allowed, it is only unreachable (the .invalid name never resolves).
            let allowed = try await host.rekey(["vault", "test", host.persona, "--url", "http://gitea.example.invalid", "--insecure-http"])
            #expect(allowed.status == 69, "stderr: \(allowed.stderr)")
            #expect(await host.server.requestLog() == before)
        }
    }

    @Test("a mint still inside the server when the run is killed is found by a later recover")
    func inFlightMintAtSIGKILL() async throws {
        try await EndToEndHost.with(personaTOTPSeed: Self.seed) { host in
            try await host.setUp()
            let original = host.envBytes
            // The server holds the request 3 s before it mints; the run's deadline is 6 s.
            await host.addFault(FaultRule(route: .mint, times: 1, delayMilliseconds: 3_000))
            let mintPath = "POST /api/v1/users/\(host.persona)/tokens"
            let mintsBefore = await host.server.requestLog().filter { $0.hasPrefix(mintPath) }.count
            let process = try ProcessRunner.start(ProcessRunner.rekey, ["run", host.playbookPath, "--timeout", "6"], environment: host.environment)
            var sent = false
            for _ in 0..<400 where !sent {
                sent = await host.server.requestLog().filter { $0.hasPrefix(mintPath) }.count > mintsBefore
                if !sent { try await Task.sleep(for: .milliseconds(25)) }
            }
            #expect(sent, "the mint request never reached the stand-in")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            let early = try await host.rekey(["recover", "--no-wait"])
            #expect(early.status == 75, "stdout: \(early.stdout) stderr: \(early.stderr)")
            #expect(early.stdout.contains("may still be inside the server"))

            let recovered = try await host.rekey(["recover"])
            #expect(recovered.status == 0, "stdout: \(recovered.stdout) stderr: \(recovered.stderr)")
            #expect(recovered.stdout.contains("found by name"), "stdout: \(recovered.stdout)")
            #expect(await Self.runTokens(host).isEmpty)
            #expect(host.envBytes == original)
        }
    }

    @Test("a minted token reported under another name is deleted and the run fails (exit 69); the name is escaped")
    func wrongName() async throws {
        try await EndToEndHost.with(personaTOTPSeed: Self.seed) { host in
            try await host.setUp()
            let before = host.envBytes
            await host.addFault(FaultRule(route: .mint, name: "evil\u{2028}NODE_OPTIONS=--require=/tmp/x\u{1B}[2J"))
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 69, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stderr.contains("not the requested") && result.stderr.contains("\\u{2028}"))
            Self.expectPrintable(result)
            #expect(host.envBytes == before)
            #expect(await Self.runTokens(host).isEmpty)
            await Self.expectNoCodeTwiceInARow(host)
            // The lock was released: the next run goes through.
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
        }
    }

    @Test("a minted token whose last eight do not match its value is deleted and the run fails (exit 69)")
    func mismatchedLastEight() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            await host.addFault(FaultRule(route: .mint, lastEight: "00000000"))
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 69, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stderr.contains("token_last_eight '00000000' is not the last eight"))
            #expect(await Self.runTokens(host).isEmpty)
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
        }
    }

    @Test("a token value that is not 40 lowercase hex, and an answer over 1 MiB, fail the run with nothing left behind")
    func malformedValueAndHugeBody() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let before = host.envBytes
            await host.addFault(FaultRule(route: .mint, sha1: String(repeating: "AB", count: 20)))
            let upper = try await host.rekey(["run", host.playbookPath])
            #expect(upper.status == 69, "stdout: \(upper.stdout) stderr: \(upper.stderr)")
            #expect(upper.stderr.contains("not 40 lowercase hex"))
            #expect(await Self.runTokens(host).isEmpty)

            // Over the cap: the mint may have been committed, so it is looked up by name and deleted.
            await host.addFault(FaultRule(route: .mint, padBytes: 2 * 1024 * 1024))
            let huge = try await host.rekey(["run", host.playbookPath])
            #expect(huge.status == 69, "stdout: \(huge.stdout) stderr: \(huge.stderr)")
            #expect(huge.stderr.contains("larger than 1 MiB"))
            #expect(huge.stdout.contains("found by name"))
            #expect(await Self.runTokens(host).isEmpty)
            #expect(host.envBytes == before)
        }
    }

    @Test("control and bidi characters in an error message and in the probe's login are escaped")
    func escapedMessageAndLogin() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            await host.addFault(FaultRule(route: .mint, status: 400, message: "bad\u{1B}]0;owned\u{07}\r\u{202E}txt"))
            let refused = try await host.rekey(["run", host.playbookPath])
            #expect(refused.status == 78, "stderr: \(refused.stderr)")
            #expect(refused.stderr.contains("bad\\u{001B}]0;owned\\u{0007} \\u{202E}txt"))
            Self.expectPrintable(refused)

            await host.addFault(FaultRule(route: .user, login: "ops-automation\u{1B}[2J"))
            let probed = try await host.rekey(["run", host.playbookPath])
            #expect(probed.status == 80, "stderr: \(probed.stderr)")
            #expect(probed.stderr.contains("ops-automation\\u{001B}[2J"))
            Self.expectPrintable(probed)
            #expect(await Self.runTokens(host).isEmpty)
        }
    }

    @Test("a mint answer trickled byte by byte ends at the deadline, the token is found and deleted, the lock released")
    func trickledBody() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            await host.addFault(FaultRule(route: .mint, trickleMilliseconds: 1_000))
            let started = ContinuousClock.now
            let result = try await host.rekey(["run", host.playbookPath, "--timeout", "3"])
            #expect(ContinuousClock.now - started < .seconds(30), "the run hung past its deadline")
            #expect(result.status == 69, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(result.stderr.contains("timed out"))
            #expect(result.stdout.contains("found by name"))
            #expect(await Self.runTokens(host).isEmpty)
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
        }
    }

    @Test("a listing of more than 5000 tokens is refused with a clear error; a run's own token is still found on page 1")
    func hugeList() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            // The mint is lost after the commit: the lookup by name finds the token on the first page.
            await host.addFault(FaultRule(route: .mint, afterCommit: true, drop: true))
            await host.addFault(FaultRule(route: .list, times: 0, extraTokens: 6_000))
            let found = try await host.rekey(["run", host.playbookPath])
            #expect(found.status == 69, "stdout: \(found.stdout) stderr: \(found.stderr)")
            #expect(found.stdout.contains("found by name"))
            #expect(await Self.runTokens(host).isEmpty)

            // Lost before the commit: nothing to find, and the whole list is more than rekey reads.
            await host.addFault(FaultRule(route: .mint, drop: true))
            let refused = try await host.rekey(["run", host.playbookPath])
            #expect(refused.status == 81, "stdout: \(refused.stdout) stderr: \(refused.stderr)")
            #expect(refused.combined.contains("more than 5000 tokens"))
            #expect(await Self.runTokens(host).isEmpty)
            await host.server.clearFaults()
            #expect(try await host.rekey(["recover"]).status == 0)
            #expect(try await host.rekey(["run", host.playbookPath]).status == 0)
        }
    }

    @Test("a disabled account is diagnosed as such (exit 77), for the mint and for the probe")
    func disabledAccount() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            await host.server.setAccountState(AccountState(active: false), ofUser: host.persona)
            let mint = try await host.rekey(["run", host.playbookPath])
            #expect(mint.status == 77, "stderr: \(mint.stderr)")
            #expect(mint.stderr.contains("account is disabled or must change its password"))
            let vault = try await host.rekey(["vault", "test", host.persona, "--url", host.baseURL])
            #expect(vault.status == 77 && vault.stderr.contains("account is disabled or must change its password"))
            await host.server.setAccountState(AccountState(active: true), ofUser: host.persona)

            await host.server.setAccountState(AccountState(mustChangePassword: true), ofUser: host.persona)
            let mustChange = try await host.rekey(["run", host.playbookPath])
            #expect(mustChange.status == 77 && mustChange.stderr.contains("account is disabled or must change its password"))
            await host.server.setAccountState(AccountState(mustChangePassword: false), ofUser: host.persona)

            // The probe meets the same refusal (the account disabled between mint and probe).
            await host.addFault(FaultRule(route: .user, status: 403,
                                          message: "This account is prohibited from signing in, please contact your site administrator."))
            let probe = try await host.rekey(["run", host.playbookPath])
            #expect(probe.status == 77, "stderr: \(probe.stderr)")
            #expect(probe.stderr.contains("account is disabled or must change its password") && !probe.stderr.contains("needs read:user"))
            #expect(await Self.runTokens(host).isEmpty)
        }
    }

    @Test("https with a private CA: accepted with --ca-file or gitea.ca_file, refused without it")
    func privateCA() async throws {
        try await EndToEndHost.with(tls: true) { host in
            try await host.setUp()
            let cert = try #require(host.certificate).certificatePath
            #expect(host.baseURL.hasPrefix("https://"))
            let refused = try await host.rekey(["vault", "test", host.persona, "--url", host.baseURL])
            #expect(refused.status == 69 && refused.stderr.contains("--ca-file"), "stderr: \(refused.stderr)")
            let accepted = try await host.rekey(["vault", "test", host.persona, "--url", host.baseURL, "--ca-file", cert])
            #expect(accepted.status == 0, "stderr: \(accepted.stderr)")

            let withoutCA = try await host.rekey(["run", host.playbookPath])
            #expect(withoutCA.status == 69, "stderr: \(withoutCA.stderr)")
            let withFlag = try await host.rekey(["run", host.playbookPath, "--ca-file", cert])
            #expect(withFlag.status == 0, "stdout: \(withFlag.stdout) stderr: \(withFlag.stderr)")
            let playbook = try String(contentsOfFile: host.playbookPath, encoding: .utf8)
                .replacingOccurrences(of: "  persona: \(host.persona)\n", with: "  persona: \(host.persona)\n  ca_file: \(cert)\n")
            try host.directory.write("playbook.yml", playbook)
            let withField = try await host.rekey(["run", host.playbookPath])
            #expect(withField.status == 0, "stdout: \(withField.stdout) stderr: \(withField.stderr)")
            #expect(await Self.runTokens(host).count == 2)
        }
    }

    @Test("where the server has DELETE /api/v1/token, a failed probe's token deletes itself, spending no one-time code")
    func selfDelete() async throws {
        try await EndToEndHost.with(personaTOTPSeed: Self.seed, tokenSelfEndpoints: true) { host in
            try await host.setUp()
            let before = await host.server.requestLog().count
            await host.addFault(FaultRule(route: .user, times: 1, status: 401))
            let result = try await host.rekey(["run", host.playbookPath])
            #expect(result.status == 80, "stdout: \(result.stdout) stderr: \(result.stderr)")
            #expect(await Self.runTokens(host).isEmpty)
            let calls = await host.server.requestLog().dropFirst(before)
            #expect(calls.contains("DELETE /api/v1/token"), "calls: \(calls)")
            #expect(!calls.contains { $0.hasPrefix("DELETE /api/v1/users/") }, "calls: \(calls)")
            #expect(result.stdout.contains("with its own credential"))
        }
    }
}
