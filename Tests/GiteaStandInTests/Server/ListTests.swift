import GiteaStandIn
import Testing

@Suite("GET /users/{username}/tokens")
struct ListTests {
    /// Mints `count` tokens named t1...tN for alice and returns their ids in mint order.
    static func mintMany(_ standIn: StandIn, _ count: Int) async throws -> [Int] {
        var ids: [Int] = []
        for index in 1...count {
            let reply = try await standIn.mint("t\(index)")
            ids.append(try #require(reply.object["id"] as? Int))
        }
        return ids
    }

    static func page(_ standIn: StandIn, _ query: String) async throws -> Reply {
        try await standIn.send(.GET, "/api/v1/users/alice/tokens" + query, as: .basic("alice", "alice-pw"))
    }

    @Test("the default page is 30, newest first, with X-Total-Count and no values")
    func defaultPage() async throws {
        try await withStandIn { (standIn) async throws in
            let ids = try await Self.mintMany(standIn, 35)
            let reply = try await Self.page(standIn, "")
            #expect(reply.status == 200)
            #expect(reply.headers["X-Total-Count"].first == "35")
            #expect(reply.array.count == 30)
            #expect(reply.array.compactMap { $0["id"] as? Int } == Array(ids.reversed().prefix(30)))
            #expect(reply.array.allSatisfy { $0["sha1"] as? String == "" })
            #expect(reply.array.allSatisfy { ($0["token_last_eight"] as? String)?.count == 8 })
        }
    }

    @Test("limit is capped at 50")
    func maximum() async throws {
        try await withStandIn { (standIn) async throws in
            _ = try await Self.mintMany(standIn, 55)
            let reply = try await Self.page(standIn, "?limit=100")
            #expect(reply.array.count == 50)
            #expect(reply.headers["X-Total-Count"].first == "55")
        }
    }

    @Test("following pages yields every token exactly once; past the end is empty")
    func followPages() async throws {
        try await withStandIn { (standIn) async throws in
            let ids = try await Self.mintMany(standIn, 17)
            var seen: [Int] = []
            for page in 1...3 {
                let reply = try await Self.page(standIn, "?page=\(page)&limit=7")
                #expect(reply.headers["X-Total-Count"].first == "17")
                seen += reply.array.compactMap { $0["id"] as? Int }
            }
            #expect(seen == ids.reversed())
            for query in ["?page=4&limit=7", "?page=\(Int.max)&limit=50"] {
                let beyond = try await Self.page(standIn, query)
                #expect(beyond.status == 200)
                #expect(beyond.array.isEmpty)
            }
        }
    }

    @Test("only the path user's tokens are listed; another user is 403, an admin may list")
    func whose() async throws {
        try await withStandIn { (standIn) async throws in
            _ = try await standIn.mint("alice-token")
            _ = try await standIn.mint("bob-token", for: "bob", as: .basic("bob", "bob-pw"))
            let mine = try await Self.page(standIn, "")
            #expect(mine.array.compactMap { $0["name"] as? String } == ["alice-token"])

            let byBob = try await standIn.send(.GET, "/api/v1/users/alice/tokens", as: .basic("bob", "bob-pw"))
            #expect(byBob.status == 403)
            let byRoot = try await standIn.send(.GET, "/api/v1/users/alice/tokens", as: .basic("root", "root-pw"))
            #expect(byRoot.status == 200)
            #expect(byRoot.array.compactMap { $0["name"] as? String } == ["alice-token"])
        }
    }

    @Test("listing with a token is 401 auth required")
    func tokenRefused() async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("t", scopes: ["read:user"])
            let reply = try await standIn.send(.GET, "/api/v1/users/alice/tokens", as: .token(value))
            #expect(reply.status == 401)
            #expect(reply.message == "auth required")
        }
    }
}
