import Foundation
import Testing
@testable import RekeyCore

/// The findings of `rekey audit`, from listings and holdings given directly.
@Suite("audit: findings")
struct TokenAuditTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    struct Holdings: TokenHoldings {
        var byID: [Int: [TokenHolder]]
        func holders(tokenID: Int, lastEight: String) -> [TokenHolder] { byID[tokenID] ?? [] }
    }

    static func playbook(_ consumer: String, persona: String = "ops", scopes: [String], every: Int?) throws -> Playbook {
        var playbook = try Playbook.parse(yaml: """
            version: 1
            consumer: \(consumer)
            gitea:
              url: https://gitea.example.org
              persona: \(persona)
            token:
              name: "\(consumer)-{run}"
              scopes: [\(scopes.joined(separator: ", "))]
            target:
              file: /srv/\(consumer)/.env
              key: GITEA_TOKEN
              comment: "# {utc}"
            probe:
              login: \(persona)
            """, path: "\(consumer).yml", environment: [:])
        playbook.every = every
        return playbook
    }

    @Test("write:X covers read:X, all covers everything, public-only only narrows")
    func wider() {
        #expect(TokenAudit.wider(["read:repository", "read:user"], than: ["write:repository", "read:user"]).isEmpty)
        #expect(TokenAudit.wider(["write:user", "read:user"], than: ["read:user"]) == ["write:user"])
        #expect(TokenAudit.wider(["all"], than: ["read:user"]) == ["all"])
        #expect(TokenAudit.wider(["all"], than: ["all"]).isEmpty)
        #expect(TokenAudit.wider(["public-only", "read:repository"], than: ["read:repository"]).isEmpty)
    }

    @Test("each finding from one listing: blast radius, minting, wider, unheld with last use, unused, overdue, drift")
    func findings() throws {
        let day: TimeInterval = 86_400
        let tokens = [
            TokenInfo(id: 1, name: "wide", lastEight: "11111111", scopes: ["all"], createdAt: Self.now - 2 * day, lastUsedAt: Self.now - day),
            TokenInfo(id: 2, name: "held", lastEight: "22222222", scopes: ["write:user"], createdAt: Self.now - 120 * day, lastUsedAt: Self.now - 100 * day),
            TokenInfo(id: 3, name: "stale", lastEight: "33333333", scopes: ["read:user"], createdAt: Self.now - 200 * day, lastUsedAt: Self.now - 200 * day),
            TokenInfo(id: 4, name: "other", lastEight: "44444444", scopes: ["read:user"]),
        ]
        let playbooks = [try Self.playbook("app", scopes: ["read:user"], every: 30 * 86_400),
                         try Self.playbook("elsewhere", persona: "deployer", scopes: ["read:user"], every: nil)]
        let holdings = Holdings(byID: [2: [TokenHolder(consumer: "app", file: "/srv/app/.env", key: "GITEA_TOKEN")],
                                       4: [TokenHolder(consumer: "elsewhere", file: "/srv/elsewhere/.env", key: "GITEA_TOKEN")]])
        let audit = TokenAudit(persona: "ops", server: "https://gitea.example.org", playbooks: playbooks,
                               playbookHoldings: PlaybookHoldings(playbooks: []), otherHoldings: [holdings], now: Self.now)
        let report = audit.report(tokens)
        let kinds = report.tokens.map { Set($0.findings.map(\.kind)) }
        #expect(kinds[0] == [.allOrAdmin, .unheld])
        #expect(kinds[1] == [.writeUser, .widerThanPlaybook, .unused, .olderThanEvery])
        #expect(kinds[2] == [.unheld, .unused])
        #expect(kinds[3] == [.personaDrift])
        #expect(report.tokens[2].findings.first { $0.kind == .unheld }?.message.contains("never used since created") == true)
        #expect(report.tokens[0].findings.first { $0.kind == .unheld }?.message.contains("last used 2027-01-14T08:00:00Z") == true,
                "\(report.tokens[0].findings)")
        #expect(report.usageData)
        #expect(report.tokens[1].holders.map(\.consumer) == ["app"])
    }

    @Test("gitea's times are read with an offset or fractional seconds; anything else is no usage data")
    func timestamps() {
        #expect(GiteaClient.timestamp("2024-05-01T10:00:00+02:00") == Date(timeIntervalSince1970: 1_714_550_400))
        #expect(GiteaClient.timestamp("2024-05-01T08:00:00Z") == Date(timeIntervalSince1970: 1_714_550_400))
        #expect(GiteaClient.timestamp("2024-05-01T08:00:00.250Z") == Date(timeIntervalSince1970: 1_714_550_400.25))
        for bad in [nil, "", "yesterday", "1714550400", String(repeating: "9", count: 100)] { #expect(GiteaClient.timestamp(bad) == nil) }
    }

    @Test("durations: 30d, 10m, 0s; nothing else")
    func durations() {
        #expect(DurationText.parse("30d") == 30 * 86_400)
        #expect(DurationText.parse("10m") == 600)
        #expect(DurationText.parse("0s") == 0)
        #expect(DurationText.parse("12h") == 43_200)
        for bad in ["", "d", "30", "3.5d", "-1d", "30 d", "1w", "１d"] { #expect(DurationText.parse(bad) == nil, "\(bad)") }
        #expect(DurationText.format(seconds: 86_400) == "1d")
        #expect(DurationText.format(seconds: 90) == "90s")
        #expect(DurationText.format(seconds: 0) == "0s")
    }

    @Test("a playbook's every is read as a duration and refused when it is not one")
    func every() throws {
        let base = try Self.playbook("app", scopes: ["read:user"], every: nil)
        #expect(base.every == nil)
        let yaml = "version: 1\nconsumer: app\ngitea:\n  url: https://g.example\n  persona: ops\ntoken:\n  name: \"a-{run}\"\n  scopes: [read:user]\ntarget:\n  file: /srv/a/.env\n  key: K\n  comment: \"# {utc}\"\nprobe:\n  login: ops\n"
        #expect(try Playbook.parse(yaml: yaml + "every: 7d\n", path: "p.yml", environment: [:]).every == 7 * 86_400)
        #expect(throws: PlaybookError.self) { try Playbook.parse(yaml: yaml + "every: weekly\n", path: "p.yml", environment: [:]) }
    }
}
