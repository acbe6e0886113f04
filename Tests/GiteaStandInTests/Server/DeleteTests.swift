import GiteaStandIn
import Testing

@Suite("DELETE /users/{username}/tokens/{id}")
struct DeleteTests {
    @Test("204, and the token stops working at once")
    func deletes() async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.mint("old")
            let value = try #require(reply.object["sha1"] as? String)
            let id = try #require(reply.object["id"] as? Int)
            #expect(try await standIn.send(.GET, "/api/v1/user", as: .token(value)).status == 200)

            let deleted = try await standIn.send(.DELETE, "/api/v1/users/alice/tokens/\(id)", as: .basic("alice", "alice-pw"))
            #expect(deleted.status == 204)
            #expect(deleted.body.isEmpty)
            #expect(await standIn.server.tokens(of: "alice").isEmpty)

            let after = try await standIn.send(.GET, "/api/v1/user", as: .token(value))
            #expect(after.status == 401)
            let again = try await standIn.send(.DELETE, "/api/v1/users/alice/tokens/\(id)", as: .basic("alice", "alice-pw"))
            #expect(again.status == 404)
        }
    }

    @Test("another user's token id under one's own path is 404 and the token survives")
    func othersToken() async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.mint("alice-token")
            let id = try #require(reply.object["id"] as? Int)
            let value = try #require(reply.object["sha1"] as? String)
            let byBob = try await standIn.send(.DELETE, "/api/v1/users/bob/tokens/\(id)", as: .basic("bob", "bob-pw"))
            #expect(byBob.status == 404)
            #expect(try await standIn.send(.GET, "/api/v1/user", as: .token(value)).status == 200)
            let underAlice = try await standIn.send(.DELETE, "/api/v1/users/alice/tokens/\(id)", as: .basic("bob", "bob-pw"))
            #expect(underAlice.status == 403)
            #expect(await standIn.server.tokens(of: "alice").count == 1)
        }
    }

    @Test("an unknown id is 404")
    func unknown() async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.send(.DELETE, "/api/v1/users/alice/tokens/999", as: .basic("alice", "alice-pw"))
            #expect(reply.status == 404)
        }
    }

    @Test("a segment that is not a number names the token, as in Gitea")
    func byName() async throws {
        try await withStandIn { (standIn) async throws in
            _ = try await standIn.mint("keep")
            _ = try await standIn.mint("drop-me")
            let reply = try await standIn.send(.DELETE, "/api/v1/users/alice/tokens/drop-me", as: .basic("alice", "alice-pw"))
            #expect(reply.status == 204)
            #expect(await standIn.server.tokens(of: "alice").map(\.name) == ["keep"])
        }
    }

    @Test("an admin deletes anyone's token with its own password; a token as credential is 401")
    func adminAndToken() async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.mint("t", scopes: ["write:user"])
            let id = try #require(reply.object["id"] as? Int)
            let value = try #require(reply.object["sha1"] as? String)
            let withToken = try await standIn.send(.DELETE, "/api/v1/users/alice/tokens/\(id)", as: .token(value))
            #expect(withToken.status == 401)
            #expect(withToken.message == "auth required")
            #expect(await standIn.server.tokens(of: "alice").count == 1)
            let byRoot = try await standIn.send(.DELETE, "/api/v1/users/alice/tokens/\(id)", as: .basic("root", "root-pw"))
            #expect(byRoot.status == 204)
            #expect(await standIn.server.tokens(of: "alice").isEmpty)
        }
    }
}
