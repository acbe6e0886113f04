import Foundation
import GiteaStandIn
import Testing

/// `created_at`/`last_used_at` (Gitea 1.24+, PR #34323) and the newer `GET`/`DELETE /token`.
@Suite("Token timestamps and the /token self-endpoints")
struct TokenUsageTests {
    static let moment = Date(timeIntervalSince1970: 1_800_000_000)

    static func listed(_ standIn: StandIn) async throws -> [String: Any] {
        let reply = try await standIn.send(.GET, "/api/v1/users/alice/tokens", as: .basic("alice", "alice-pw"))
        return try #require(reply.array.first)
    }

    static func iso(_ offset: TimeInterval) -> String { moment.addingTimeInterval(offset).formatted(.iso8601) }

    @Test("listed tokens carry created_at and last_used_at; use is written at most every 30 s")
    func lastUsed() async throws {
        let clock = TestClock(Self.moment)
        try await withStandIn(clock: clock) { (standIn) async throws in
            let value = try await standIn.mintValue("probe")
            var token = try await Self.listed(standIn)
            #expect(token["created_at"] as? String == Self.iso(0))
            #expect(token["last_used_at"] as? String == Self.iso(0))

            clock.set(Self.moment.addingTimeInterval(31))
            #expect(try await standIn.send(.GET, "/api/v1/user", as: .token(value)).status == 200)
            token = try await Self.listed(standIn)
            #expect(token["last_used_at"] as? String == Self.iso(31))

            clock.set(Self.moment.addingTimeInterval(45))
            _ = try await standIn.send(.GET, "/api/v1/user", as: .token(value))
            token = try await Self.listed(standIn)
            #expect(token["last_used_at"] as? String == Self.iso(31))

            clock.set(Self.moment.addingTimeInterval(61))
            _ = try await standIn.send(.GET, "/api/v1/user?token=\(value)")
            token = try await Self.listed(standIn)
            #expect(token["last_used_at"] as? String == Self.iso(61))
            #expect(token["created_at"] as? String == Self.iso(0))
            #expect(await standIn.server.tokens(of: "alice").first?.lastUsedAt == Self.moment.addingTimeInterval(61))
        }
    }

    @Test("a server before 1.24 lists no timestamps and says so in /version")
    func before124() async throws {
        try await withStandIn(tokenTimestamps: false) { (standIn) async throws in
            _ = try await standIn.mintValue("probe")
            let token = try await Self.listed(standIn)
            #expect(token["created_at"] == nil)
            #expect(token["last_used_at"] == nil)
            #expect(token["name"] as? String == "probe")
            let version = try await standIn.send(.GET, "/api/v1/version")
            #expect(version.object["version"] as? String == GiteaStandIn.withoutTimestampsVersion)
        }
    }

    @Test("GET /token answers with the token's timestamps; only a header token names itself")
    func selfTokenTransports() async throws {
        let clock = TestClock(Self.moment)
        try await withStandIn(tokenSelfEndpoints: true, clock: clock) { (standIn) async throws in
            let value = try await standIn.mintValue("self", scopes: ["write:user"])
            clock.set(Self.moment.addingTimeInterval(40))
            let described = try await standIn.send(.GET, "/api/v1/token", as: .token(value))
            #expect(described.status == 200)
            #expect(described.object["created_at"] as? String == Self.iso(0))
            #expect(described.object["last_used_at"] as? String == Self.iso(40))

            let others: [(String, Credentials?)] = [
                ("/api/v1/token?token=\(value)", nil), ("/api/v1/token?access_token=\(value)", nil),
                ("/api/v1/token", .basic("alice", "alice-pw")), ("/api/v1/token", .basic("alice", value)),
            ]
            for (path, credentials) in others {
                let reply = try await standIn.send(.GET, path, as: credentials)
                #expect(reply.status == 404, "\(path)")
                #expect(reply.message == "invalid personal token")
                let deleted = try await standIn.send(.DELETE, path, as: credentials)
                #expect(deleted.status == 404)
            }
            #expect(try await standIn.send(.GET, "/api/v1/token").status == 401)
            #expect(await standIn.server.tokens(of: "alice").count == 1)
        }
    }
}
