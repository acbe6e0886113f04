import GiteaStandIn
import Testing

@Suite("GET /user, GET /version, and the /token self-endpoints")
struct UserTests {
    @Test("a token with read:user gets the user object, by 'token' or 'Bearer'")
    func whoAmI() async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("probe", scopes: ["read:user"])
            for credentials in [Credentials.token(value), .bearer(value)] {
                let reply = try await standIn.send(.GET, "/api/v1/user", as: credentials)
                #expect(reply.status == 200)
                let user = reply.object
                #expect(user["login"] as? String == "alice")
                #expect(user["username"] as? String == "alice")
                #expect(user["is_admin"] as? Bool == false)
                #expect(user["active"] as? Bool == true)
                #expect(user["prohibit_login"] as? Bool == false)
                #expect(user["visibility"] as? String == "public")
                for key in ["id", "login_name", "full_name", "email", "created", "last_login"] {
                    #expect(user[key] != nil, "missing \(key)")
                }
            }
        }
    }

    @Test("write:user and all include read:user", arguments: [["write:user"], ["all"]])
    func impliedRead(scopes: [String]) async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("probe", scopes: scopes)
            #expect(try await standIn.send(.GET, "/api/v1/user", as: .token(value)).status == 200)
        }
    }

    /// `tokenRequiresScopes` in routers/api/v1/api.go, current wording: what was required and
    /// the token's normalised scope.
    @Test(
        "a valid token without read:user is 403 naming the required and the held scopes",
        arguments: [
            (["read:repository"], "read:repository"), (["write:issue", "read:admin"], "read:admin,write:issue"),
            (["public-only", "read:misc"], "public-only,read:misc"),
        ])
    func missingScope(scopes: [String], held: String) async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("probe", scopes: scopes)
            let reply = try await standIn.send(.GET, "/api/v1/user", as: .token(value))
            #expect(reply.status == 403)
            #expect(
                reply.message
                    == "token does not have at least one of required scope(s), required=[read:user], token scope=\(held)")
        }
    }

    @Test("an invalid or malformed token is 401")
    func invalidToken() async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("probe")
            let wrong = String(value.dropLast()) + (value.last == "0" ? "1" : "0")
            for bad in [wrong, "not-a-token", String(repeating: "a", count: 40)] {
                let reply = try await standIn.send(.GET, "/api/v1/user", as: .token(bad))
                #expect(reply.status == 401)
                #expect(reply.message == "invalid username, password or token")
            }
        }
    }

    @Test("Basic password auth works on /user too; no credentials is 401")
    func basicAndAnonymous() async throws {
        try await withStandIn { (standIn) async throws in
            let basic = try await standIn.send(.GET, "/api/v1/user", as: .basic("root", "root-pw"))
            #expect(basic.status == 200)
            #expect(basic.object["login"] as? String == "root")
            #expect(basic.object["is_admin"] as? Bool == true)
            let anonymous = try await standIn.send(.GET, "/api/v1/user")
            #expect(anonymous.status == 401)
        }
    }

    @Test("/version is public and states the version modelled: 1.25 by default, 1.26 with /token")
    func version() async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.send(.GET, "/api/v1/version")
            #expect(reply.status == 200)
            #expect(reply.object["version"] as? String == "1.25.4")
            #expect(standIn.server.version == GiteaStandIn.defaultVersion)
        }
        try await withStandIn(tokenSelfEndpoints: true) { (standIn) async throws in
            let reply = try await standIn.send(.GET, "/api/v1/version")
            #expect(reply.object["version"] as? String == "1.26.0")
        }
    }

    @Test("/token is 404 unless configured, like servers before mid-2026")
    func selfEndpointsAbsent() async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("probe")
            #expect(try await standIn.send(.GET, "/api/v1/token", as: .token(value)).status == 404)
            #expect(try await standIn.send(.DELETE, "/api/v1/token", as: .token(value)).status == 404)
            #expect(try await standIn.send(.GET, "/api/v1/user", as: .token(value)).status == 200)
        }
    }

    @Test("with token endpoints: GET /token describes the calling token, DELETE /token revokes it")
    func selfEndpoints() async throws {
        try await withStandIn(tokenSelfEndpoints: true) { (standIn) async throws in
            let minted = try await standIn.mint("self", scopes: ["read:repository"])
            let value = try #require(minted.object["sha1"] as? String)
            let described = try await standIn.send(.GET, "/api/v1/token", as: .token(value))
            #expect(described.status == 200)
            #expect(described.object["id"] as? Int == minted.object["id"] as? Int)
            #expect(described.object["name"] as? String == "self")
            #expect(described.object["scopes"] as? [String] == ["read:repository"])
            #expect((described.object["user"] as? [String: Any])?["login"] as? String == "alice")

            let revoked = try await standIn.send(.DELETE, "/api/v1/token", as: .token(value))
            #expect(revoked.status == 204)
            #expect(await standIn.server.tokens(of: "alice").isEmpty)
            #expect(try await standIn.send(.GET, "/api/v1/token", as: .token(value)).status == 401)
        }
    }

    @Test("unknown API paths are 404 with a Gitea-shaped body")
    func unknownPath() async throws {
        try await withStandIn { (standIn) async throws in
            let reply = try await standIn.send(.GET, "/api/v1/no/such/route")
            #expect(reply.status == 404)
            #expect(reply.object["url"] as? String == standIn.baseURL + "/api/swagger")
        }
    }
}
