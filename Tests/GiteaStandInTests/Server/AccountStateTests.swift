import Foundation
import GiteaStandIn
import Testing

/// `verifyAuthWithOptions` (routers/api/v1/api.go) and `UserSignIn` (services/auth/signin.go).
@Suite("Disabled accounts and accounts that must change their password")
struct AccountStateTests {
    static let prohibited = "This account is prohibited from signing in, please contact your site administrator."

    @Test("a disabled account gets 403 'prohibited' with its password and its token alike, until re-enabled")
    func disabled() async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("probe", scopes: ["read:user"])
            let changed = try await standIn.send(.POST, "/_standin/users/alice", json: #"{"active": false}"#)
            #expect(changed.status == 200)
            #expect(changed.object["active"] as? Bool == false)

            let byPassword = try await standIn.send(.GET, "/api/v1/users/alice/tokens", as: .basic("alice", "alice-pw"))
            let byToken = try await standIn.send(.GET, "/api/v1/user", as: .token(value))
            let mint = try await standIn.mint("more")
            for reply in [byPassword, byToken, mint] {
                #expect(reply.status == 403)
                #expect(reply.message == Self.prohibited)
                #expect(reply.object["url"] == nil)
            }
            #expect(await standIn.server.tokens(of: "alice").count == 1)

            #expect(await standIn.server.setAccountState(AccountState(active: true), ofUser: "alice"))
            let again = try await standIn.send(.GET, "/api/v1/user", as: .token(value))
            #expect(again.status == 200)
            #expect(again.object["active"] as? Bool == true)
        }
    }

    @Test("prohibit_login: a token gets 403 'prohibited', a password is refused earlier with 401")
    func prohibitLogin() async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("probe")
            await standIn.server.setAccountState(AccountState(prohibitLogin: true), ofUser: "alice")
            let byToken = try await standIn.send(.GET, "/api/v1/user", as: .token(value))
            #expect(byToken.status == 403)
            #expect(byToken.message == Self.prohibited)
            let byPassword = try await standIn.send(.GET, "/api/v1/user", as: .basic("alice", "alice-pw"))
            #expect(byPassword.status == 401)
            #expect(byPassword.message == "user is not allowed login [uid: 1, name: alice]")
        }
    }

    @Test("must_change_password: 403 naming the change-password page, for password and token")
    func mustChangePassword() async throws {
        try await withStandIn { (standIn) async throws in
            let value = try await standIn.mintValue("probe")
            _ = try await standIn.send(.POST, "/_standin/users/alice", json: #"{"must_change_password": true}"#)
            // Gitea's AppURL ends in "/", hence the double slash.
            let expected = "You must change your password. Change it at: \(standIn.baseURL)//user/change_password"
            for credentials in [Credentials.token(value), .basic("alice", "alice-pw")] {
                let reply = try await standIn.send(.GET, "/api/v1/user", as: credentials)
                #expect(reply.status == 403)
                #expect(reply.message == expected)
            }
            // Other accounts are untouched.
            #expect(try await standIn.send(.GET, "/api/v1/user", as: .basic("bob", "bob-pw")).status == 200)
        }
    }

    @Test("the control refuses an unknown user (404) and a malformed change (422)")
    func controlErrors() async throws {
        try await withStandIn { (standIn) async throws in
            #expect(try await standIn.send(.POST, "/_standin/users/nobody", json: #"{"active": false}"#).status == 404)
            #expect(try await standIn.send(.POST, "/_standin/users/alice", json: #"{"active": "no"}"#).status == 422)
            #expect(await standIn.server.setAccountState(AccountState(active: false), ofUser: "nobody") == false)
        }
    }
}
