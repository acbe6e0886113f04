import Foundation
import GiteaStandIn
import RekeyCore
import Testing
import TestSupport

/// The gated `revoke-previous` step and `rekey revoke`, through the real binary and the stand-in.
@Suite("revoke-previous and rekey revoke, end to end")
struct RevocationEndToEndTests {
    static let revokeSteps = "steps: [backup, mint, rewrite, probe, revoke-previous]"

    @Test("two consumers share one old token: the first rotation leaves it pending naming the second, the second's revokes it")
    func sharedToken() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            let second = try host.addSharingConsumer("second", extra: "\(Self.revokeSteps)\nrevoke_grace: 0s")
            try host.writePlaybook(extra: "\(Self.revokeSteps)\nrevoke_grace: 0s")
            let old = try #require(await host.serverTokens().first { $0.lastEight == String(host.oldToken.suffix(8)) })

            let imported = try await host.rekey(["consumers", "--import", host.envPath, second.env])
            #expect(imported.status == 0, "stderr: \(imported.stderr)")
            #expect(imported.stdout.contains("\(second.env):4  GITEA_TOKEN  …\(old.lastEight)  recorded"), "\(imported.stdout)")

            let first = try await host.rekey(["run", host.playbookPath])
            #expect(first.status == 0, "stderr: \(first.stderr)")
            #expect(first.stdout.contains("pending token \(old.id)"), "\(first.stdout)")
            #expect(first.stdout.contains("still held by \(second.env):GITEA_TOKEN"), "\(first.stdout)")
            #expect(await host.serverTokens().contains { $0.id == old.id }, "the shared token must stay valid while the second consumer holds it")

            let settle = try await host.rekey(["revoke", "--pending"])
            #expect(settle.status == 0 && settle.stdout.contains("pending: still held by \(second.env):GITEA_TOKEN"), "\(settle.stdout) \(settle.stderr)")
            #expect(await host.serverTokens().contains { $0.id == old.id })

            let byHand = try await host.rekey(["revoke", "\(old.id)", "--persona", host.persona, "--url", host.baseURL])
            #expect(byHand.status == 77 && byHand.stderr.contains(second.env), "\(byHand.stderr)")
            #expect(await host.serverTokens().contains { $0.id == old.id })

            let secondRun = try await host.rekey(["run", second.playbook])
            #expect(secondRun.status == 0, "stderr: \(secondRun.stderr)")
            #expect(secondRun.stdout.contains("revoked token \(old.id)"), "\(secondRun.stdout)")
            #expect(await !host.serverTokens().contains { $0.id == old.id })

            // Both consumers are in the inventory with their new tokens, by id.
            let listed = try await host.rekey(["consumers", "--json"])
            let holdings = try JSONDecoder().decode([Holding].self, from: Data(listed.stdout.utf8))
            #expect(Set(holdings.map(\.consumer)) == [host.consumer, "second"])
            #expect(holdings.allSatisfy { $0.tokenID != nil && $0.lastEight != old.lastEight && $0.fingerprint == nil })
            #expect(!listed.stdout.contains("fingerprint"))

            // Rolling back either rotation whose old token was revoked would restore a dead token.
            for consumer in ["second", host.consumer] {
                let rollback = try await host.rekey(["rollback", consumer, "--force"])
                #expect(rollback.status == 77 && rollback.stderr.contains("revoked"), "\(consumer): \(rollback.stderr)")
            }

            // A token no known consumer holds is revoked by id at once.
            let spare = try await host.mintDirectly(name: "spare")
            let spareID = try #require(await host.serverTokens().first { $0.lastEight == String(spare.suffix(8)) }?.id)
            let revoked = try await host.rekey(["revoke", "\(spareID)", "--persona", host.persona, "--url", host.baseURL])
            #expect(revoked.status == 0 && revoked.stdout.contains("revoked token \(spareID) spare"), "\(revoked.stdout) \(revoked.stderr)")
            #expect(await !host.serverTokens().contains { $0.id == spareID })
            #expect(try host.leaks(of: [host.oldToken, host.currentToken]) == [])
        }
    }

    @Test("a use after the replacement keeps the token pending as an unknown consumer until it has been quiet for revoke_quiet")
    func unknownConsumer() async throws {
        let clock = OffsetClock()
        try await EndToEndHost.with(serverClock: clock.now) { host in
            try await host.setUp()
            try host.writePlaybook(extra: "\(Self.revokeSteps)\nrevoke_grace: 10m\nrevoke_quiet: 1h")
            let old = try #require(await host.serverTokens().first { $0.lastEight == String(host.oldToken.suffix(8)) })
            let run = try await host.rekey(["run", host.playbookPath])
            #expect(run.status == 0 && run.stdout.contains("pending token \(old.id)") && run.stdout.contains("grace until"), "\(run.stdout)")

            // Someone nobody knew about uses the old token 40 s later.
            clock.offset = 40
            #expect(try await host.client.login(of: SecretBytes(utf8: host.oldToken)) == host.persona)

            let afterGrace = try await host.rekey(["revoke", "--pending"], environment: [CommandClock.offsetVariable: "700"])
            #expect(afterGrace.status == 0, "\(afterGrace.stderr)")
            #expect(afterGrace.stdout.contains("after it was replaced: an unknown consumer"), "\(afterGrace.stdout)")
            #expect(await host.serverTokens().contains { $0.id == old.id })

            let quiet = try await host.rekey(["revoke", "--pending"], environment: [CommandClock.offsetVariable: "\(40 + 3_600 + 5)"])
            #expect(quiet.status == 0 && quiet.stdout.contains("revoked token \(old.id)"), "\(quiet.stdout) \(quiet.stderr)")
            #expect(await !host.serverTokens().contains { $0.id == old.id })
        }
    }

    @Test("without usage data (gitea before 1.24) the token stays pending until --confirm")
    func noUsageData() async throws {
        try await EndToEndHost.with(tokenTimestamps: false) { host in
            try await host.setUp()
            try host.writePlaybook(extra: "\(Self.revokeSteps)\nrevoke_grace: 0s")
            let old = try #require(await host.serverTokens().first { $0.lastEight == String(host.oldToken.suffix(8)) })
            let run = try await host.rekey(["run", host.playbookPath])
            #expect(run.status == 0 && run.stdout.contains("pending token \(old.id)") && run.stdout.contains("no usage data"), "\(run.stdout)")

            let again = try await host.rekey(["revoke", "--pending", "--json"])
            let settled = try JSONDecoder().decode([SettledRevocation].self, from: Data(again.stdout.utf8))
            #expect(settled.map(\.record.status) == [.pending] && settled.first?.record.reason == "no usage data")
            #expect(settled.first?.record.fingerprint == nil && settled.first?.record.decisions.count == 2)
            #expect(await host.serverTokens().contains { $0.id == old.id })

            let confirmed = try await host.rekey(["revoke", "--pending", "--confirm", "\(old.id)"])
            #expect(confirmed.status == 0 && confirmed.stdout.contains("revoked token \(old.id)"), "\(confirmed.stdout) \(confirmed.stderr)")
            #expect(await !host.serverTokens().contains { $0.id == old.id })
            let none = try await host.rekey(["revoke", "--pending"])
            #expect(none.stdout.contains("no pending revocations"))
        }
    }

    @Test("revoke_without_usage_data: true revokes at once; without revoke-previous listed the old token stays valid")
    func optInAndWithoutUsageData() async throws {
        try await EndToEndHost.with(tokenTimestamps: false) { host in
            try await host.setUp()
            let first = try await host.rekey(["run", host.playbookPath])
            #expect(first.status == 0 && !first.stdout.contains("revoke"), "\(first.stdout)")
            #expect(await host.serverTokens().count == 2)

            try host.writePlaybook(extra: "\(Self.revokeSteps)\nrevoke_grace: 0s\nrevoke_without_usage_data: true")
            let previous = host.currentToken
            let second = try await host.rekey(["run", host.playbookPath])
            #expect(second.status == 0 && second.stdout.contains("revoked token"), "\(second.stdout)")
            let left = await host.serverTokens()
            #expect(left.count == 2 && !left.contains { $0.lastEight == String(previous.suffix(8)) })
        }
    }

    @Test("a token no other consumer holds, unused since: revoked by the run; when the listing fails, a known token stays pending for revoke --pending")
    func listingFails() async throws {
        try await EndToEndHost.with { host in
            try await host.setUp()
            try host.writePlaybook(extra: "\(Self.revokeSteps)\nrevoke_grace: 0s")
            let plan = try await host.rekey(["run", host.playbookPath, "--dry-run"])
            #expect(plan.status == 0 && plan.stdout.contains("revoke-previous  would revoke the replaced token"), "\(plan.stdout) \(plan.stderr)")
            #expect(await host.serverTokens().count == 1)
            let first = try await host.rekey(["run", host.playbookPath])
            #expect(first.status == 0 && first.stdout.contains("revoked token") && first.stdout.contains("held by no other known consumer"), "\(first.stdout)")
            #expect(await host.serverTokens().count == 1)

            let previous = try #require(await host.serverTokens().first)
            await host.addFault(FaultRule(route: .list, times: 1, status: 403))
            let second = try await host.rekey(["run", host.playbookPath])
            #expect(second.status == 0 && second.stdout.contains("pending token \(previous.id)") && second.stdout.contains("could not list"), "\(second.stdout)")
            #expect(await host.serverTokens().contains { $0.id == previous.id })

            let settle = try await host.rekey(["revoke", "--pending"])
            #expect(settle.status == 0 && settle.stdout.contains("revoked token \(previous.id)"), "\(settle.stdout) \(settle.stderr)")
            #expect(await host.serverTokens().map(\.lastEight) == [String(host.currentToken.suffix(8))])
        }
    }
}

/// A clock for the stand-in that tests move forward.
final class OffsetClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: TimeInterval = 0
    var offset: TimeInterval {
        get { lock.withLock { seconds } }
        set { lock.withLock { seconds = newValue } }
    }
    var now: @Sendable () -> Date { { [self] in Date().addingTimeInterval(offset) } }
}

extension EndToEndHost {
    /// A second consumer holding the host's old token: its env file and playbook.
    func addSharingConsumer(_ name: String, extra: String = "") throws -> (env: String, playbook: String) {
        let env = directory.file("\(name).env")
        try directory.write("\(name).env", Self.envTemplate.replacingOccurrences(of: "{old}", with: oldToken), mode: 0o640)
        try directory.write("\(name).yml", PlaybookText.make(consumer: name, persona: persona, file: env,
                                                            comment: "# \(name) {token_name} (…{last8}) rotated {utc}", extra: extra))
        return (env, directory.file("\(name).yml"))
    }
}
