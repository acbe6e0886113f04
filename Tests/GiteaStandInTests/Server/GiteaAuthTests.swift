import Foundation
import GiteaStandIn
import Testing

/// How current Gitea signs callers in, each case following the source file named.
@Suite("Sign-in, sudo, Content-Type and error shapes like current Gitea")
struct GiteaAuthTests {
    static let mintBody = #"{"name": "t", "scopes": ["read:user"]}"#

    /// `bind()` in routers/api/v1/api.go through gitea.com/go-chi/binding.
    @Test("a mint body needs JSON or form-urlencoded: missing or text/plain Content-Type is 422")
    func contentType() async throws {
        try await withStandIn { (standIn) async throws in
            let path = "/api/v1/users/alice/tokens"
            let missing = try await standIn.send(
                .POST, path, as: .basic("alice", "alice-pw"), body: (nil, Self.mintBody))
            #expect(missing.status == 422)
            #expect(missing.message == "[]: Empty Content-Type")
            let plain = try await standIn.send(
                .POST, path, as: .basic("alice", "alice-pw"), body: ("text/plain", Self.mintBody))
            #expect(plain.status == 422)
            #expect(plain.message == "[]: Unsupported Content-Type")
            #expect(await standIn.server.tokens(of: "alice").isEmpty)

            let form = try await standIn.send(
                .POST, path, as: .basic("alice", "alice-pw"),
                body: ("application/x-www-form-urlencoded", "name=from+form&scopes=read%3Auser&scopes=write%3Aissue"))
            #expect(form.status == 201)
            #expect(form.object["name"] as? String == "from form")
            #expect(form.object["scopes"] as? [String] == ["write:issue", "read:user"])
        }
    }

    /// services/auth/basic.go: the token may be the password or the user name.
    @Test(
        "a write:user token as the Basic password or user name mints for its owner, whatever the name says",
        arguments: ["alice:{t}", "{t}:", "{t}:x-oauth-basic", "bob:{t}", "nobody:{t}"])
    func tokenAsBasic(form: String) async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("minter", scopes: ["write:user"])
            let pair = form.replacingOccurrences(of: "{t}", with: value)
            let credentials = Credentials.raw("Basic " + Data(pair.utf8).base64EncodedString())
            let minted = try await standIn.mint("child", as: credentials)
            #expect(minted.status == 201)
            #expect(await standIn.server.tokens(of: "alice").map(\.name) == ["child", "minter"])
            let listed = try await standIn.send(.GET, "/api/v1/users/alice/tokens", as: credentials)
            #expect(listed.status == 200)
        }
    }

    @Test("a read-only token as the Basic password may list but not mint: 403 naming write:user")
    func readOnlyTokenAsBasic() async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("reader", scopes: ["read:user"])
            let minted = try await standIn.mint("child", as: .basic("alice", value))
            #expect(minted.status == 403)
            #expect(
                minted.message
                    == "token does not have at least one of required scope(s), required=[write:user], token scope=read:user")
            #expect(try await standIn.send(.GET, "/api/v1/users/alice/tokens", as: .basic("alice", value)).status == 200)
            #expect(await standIn.server.tokens(of: "alice").count == 1)
        }
    }

    /// `parseToken` in services/auth/oauth2.go.
    @Test("?token= and ?access_token= authenticate; a bad one is 401")
    func queryTokens() async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("q")
            for name in ["token", "access_token"] {
                let reply = try await standIn.send(.GET, "/api/v1/user?\(name)=\(value)")
                #expect(reply.status == 200)
                #expect(reply.object["login"] as? String == "alice")
                let bad = try await standIn.send(.GET, "/api/v1/user?\(name)=\(String(repeating: "0", count: 40))")
                #expect(bad.status == 401)
            }
        }
    }

    @Test("the Authorization scheme is matched case-insensitively", arguments: ["token", "Token", "TOKEN", "bEaReR"])
    func schemeCase(scheme: String) async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("h")
            let reply = try await standIn.send(.GET, "/api/v1/user", as: .raw("\(scheme) \(value)"))
            #expect(reply.status == 200)
        }
    }

    /// `sudo()` in routers/api/v1/api.go.
    @Test("a site admin acts as another user with Sudo: or ?sudo=; anyone else gets 403")
    func sudo() async throws {
        try await withStandIn { (standIn) async throws in
            let header = try await standIn.send(
                .GET, "/api/v1/user", as: .basic("root", "root-pw"), headers: [("Sudo", "alice")])
            #expect(header.object["login"] as? String == "alice")
            let query = try await standIn.send(.GET, "/api/v1/user?sudo=bob", as: .basic("root", "root-pw"))
            #expect(query.object["login"] as? String == "bob")
            let minted = try await standIn.mint("for-alice", as: .basic("root", "root-pw"))
            #expect(minted.status == 201)

            let refused = try await standIn.send(.GET, "/api/v1/user?sudo=bob", as: .basic("alice", "alice-pw"))
            #expect(refused.status == 403)
            #expect(refused.message == "Only administrators allowed to sudo.")
            #expect(refused.object["url"] == nil)
            let anonymous = try await standIn.send(.GET, "/api/v1/version", headers: [("Sudo", "alice")])
            #expect(anonymous.status == 403)
            let unknown = try await standIn.send(.GET, "/api/v1/user?sudo=ghost", as: .basic("root", "root-pw"))
            #expect(unknown.status == 404)
        }
    }

    /// `APIContext.NotFound` in services/context/api.go.
    @Test("404 bodies are {message, url}: the message names what is missing, no errors list")
    func notFoundShape() async throws {
        try await withStandIn { (standIn) async throws in
            let user = try await standIn.send(.GET, "/api/v1/users/Ghost/tokens", as: .basic("root", "root-pw"))
            #expect(user.status == 404)
            #expect(Set(user.object.keys) == ["message", "url"])
            #expect(user.message == "user redirect does not exist [name: ghost]")
            let route = try await standIn.send(.GET, "/api/v1/no/such/route")
            #expect(Set(route.object.keys) == ["message", "url"])
        }
    }

    /// `SetTotalCountHeader` in services/context/api.go.
    @Test("listings expose X-Total-Count to browsers")
    func exposeHeaders() async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.send(.GET, "/api/v1/users/alice/tokens", as: .basic("alice", "alice-pw"))
            #expect(reply.headers["Access-Control-Expose-Headers"].first == "X-Total-Count")
        }
    }

    /// `strconv.ParseInt(s, 0, 64)` in `DeleteAccessToken`, routers/api/v1/user/app.go.
    @Test(
        "DELETE ids are parsed like Go's ParseInt(s, 0, 64); what does not parse is a name",
        arguments: [("0x3", 3), ("0X3", 3), ("010", 8), ("0o7", 7), ("0b1", 1), ("+2", 2), ("0_5", 5), ("6", 6)])
    func goIDs(segment: String, id: Int) async throws {
        try await withStandIn { (standIn) async throws in
            for index in 1...9 { _ = try await standIn.mint("t\(index)") }
            let reply = try await standIn.send(.DELETE, "/api/v1/users/alice/tokens/\(segment)", as: .basic("alice", "alice-pw"))
            #expect(reply.status == 204)
            let left = await standIn.server.tokens(of: "alice").map(\.id)
            #expect(!left.contains(id))
            #expect(left.count == 8)
        }
    }

    @Test("a segment Go cannot parse (09, 0x, 1__0) names a token; too large an id finds none")
    func goNames() async throws {
        try await withStandIn { (standIn) async throws in
            for name in ["09", "0x", "1__0", "keep"] { _ = try await standIn.mint(name) }
            for name in ["09", "0x", "1__0"] {
                let reply = try await standIn.send(.DELETE, "/api/v1/users/alice/tokens/\(name)", as: .basic("alice", "alice-pw"))
                #expect(reply.status == 204, "\(name)")
            }
            let huge = try await standIn.send(
                .DELETE, "/api/v1/users/alice/tokens/99999999999999999999", as: .basic("alice", "alice-pw"))
            #expect(huge.status == 404)
            #expect(await standIn.server.tokens(of: "alice").map(\.name) == ["keep"])
        }
    }
}
