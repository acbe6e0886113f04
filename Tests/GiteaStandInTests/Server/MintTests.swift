import Foundation
import GiteaStandIn
import Testing

@Suite("POST /users/{username}/tokens")
struct MintTests {
    @Test("201 gives id, name, a 40-hex value once, its last eight and the scopes; the token works")
    func mints() async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.mint("rekey-1", scopes: ["read:user", "write:repository"])
            #expect(reply.status == 201)
            let value = try #require(reply.object["sha1"] as? String)
            #expect(value.count == 40)
            #expect(value.allSatisfy { "0123456789abcdef".contains($0) })
            #expect(reply.object["token_last_eight"] as? String == String(value.suffix(8)))
            #expect(reply.object["name"] as? String == "rekey-1")
            #expect(reply.object["scopes"] as? [String] == ["write:repository", "read:user"])
            let id = try #require(reply.object["id"] as? Int)

            let held = await standIn.server.tokens(of: "alice")
            #expect(held == [StandInToken(id: id, name: "rekey-1", lastEight: String(value.suffix(8)),
                                          scopes: ["write:repository", "read:user"])])

            let me = try await standIn.send(.GET, "/api/v1/user", as: .token(value))
            #expect(me.status == 200)
            #expect(me.object["login"] as? String == "alice")
        }
    }

    @Test("two mints give different values")
    func valuesDiffer() async throws {
        try await withStandIn { (standIn) async throws in
            let first = try await standIn.mintValue("a")
            let second = try await standIn.mintValue("b")
            #expect(first != second)
        }
    }

    @Test("a name already used by the same user is 400; another user may use it")
    func uniqueNames() async throws {
        try await withStandIn { (standIn) async throws in
            #expect(try await standIn.mint("ci").status == 201)
            let again = try await standIn.mint("ci", scopes: ["read:repository"])
            #expect(again.status == 400)
            #expect(again.message == "access token name has been used already")
            #expect(await standIn.server.tokens(of: "alice").count == 1)
            let bobs = try await standIn.mint("ci", for: "bob", as: .basic("bob", "bob-pw"))
            #expect(bobs.status == 201)
        }
    }

    @Test("a missing or empty name is 422 [Name]: Required", arguments: [#"{"scopes":["read:user"]}"#, #"{"name":"","scopes":["read:user"]}"#])
    func missingName(body: String) async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.send(.POST, "/api/v1/users/alice/tokens", as: .basic("alice", "alice-pw"), json: body)
            #expect(reply.status == 422)
            #expect(reply.message == "[Name]: Required")
            #expect(await standIn.server.tokens(of: "alice").isEmpty)
        }
    }

    @Test("an empty or missing scope list is 400", arguments: [#"{"name":"x","scopes":[]}"#, #"{"name":"x"}"#, #"{"name":"x","scopes":[""]}"#])
    func emptyScopes(body: String) async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.send(.POST, "/api/v1/users/alice/tokens", as: .basic("alice", "alice-pw"), json: body)
            #expect(reply.status == 400)
            #expect(reply.message == "access token must have a scope")
            #expect(await standIn.server.tokens(of: "alice").isEmpty)
        }
    }

    @Test("a token in the Authorization header is 401 auth required, and nothing is minted")
    func tokenAuthRefused() async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("first", scopes: ["write:user"])
            for credentials in [Credentials.token(value), .bearer(value)] {
                let reply = try await standIn.mint("second", as: credentials)
                #expect(reply.status == 401)
                #expect(reply.message == "auth required")
            }
            #expect(await standIn.server.tokens(of: "alice").map(\.name) == ["first"])
        }
    }

    @Test("a wrong password or unknown account is 401")
    func badPassword() async throws {
        try await withStandIn { (standIn) async throws in
            #expect(try await standIn.mint("x", as: .basic("alice", "wrong")).status == 401)
            #expect(try await standIn.mint("x", as: .basic("nobody", "alice-pw")).status == 401)
            #expect(await standIn.server.tokens(of: "alice").isEmpty)
        }
    }

    @Test("another non-admin user is 403; an admin may mint for anyone with its own password")
    func selfOrAdmin() async throws {
        try await withStandIn { (standIn) async throws in
            let byBob = try await standIn.mint("x", for: "alice", as: .basic("bob", "bob-pw"))
            #expect(byBob.status == 403)
            #expect(byBob.message == "doer should be the site admin or be same as the contextUser")
            #expect(await standIn.server.tokens(of: "alice").isEmpty)

            let byRoot = try await standIn.mint("x", for: "alice", as: .basic("root", "root-pw"))
            #expect(byRoot.status == 201)
            #expect(await standIn.server.tokens(of: "alice").map(\.name) == ["x"])
            #expect(await standIn.server.tokens(of: "root").isEmpty)
        }
    }

    @Test("an unknown {username} is 404, even for an admin")
    func unknownUser() async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.mint("x", for: "ghost", as: .basic("root", "root-pw"))
            #expect(reply.status == 404)
        }
    }

    @Test("no credentials at all are refused (403, Gitea checks self-or-admin before Basic)")
    func anonymous() async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.send(.POST, "/api/v1/users/alice/tokens", json: #"{"name":"x","scopes":["read:user"]}"#)
            #expect(reply.status == 403)
            #expect(await standIn.server.tokens(of: "alice").isEmpty)
        }
    }

    @Test("error bodies carry the message and this server's swagger URL")
    func errorBodyShape() async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.mint("x", as: .basic("alice", "wrong"))
            #expect(reply.object["url"] as? String == standIn.baseURL + "/api/swagger")
            #expect(reply.message?.isEmpty == false)
            #expect(reply.headers["Content-Type"].first?.hasPrefix("application/json") == true)
        }
    }
}
