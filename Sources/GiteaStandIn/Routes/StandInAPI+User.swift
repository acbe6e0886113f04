import Foundation
import Hummingbird

/// `/user`, `/version`, and the newer `/token` self-endpoints.
extension StandInAPI {
    struct UserJSON: Encodable {
        let id: Int
        let login: String
        let login_name: String
        let full_name: String
        let email: String
        let avatar_url: String
        let language: String
        let is_admin: Bool
        let last_login: String
        let created: String
        let restricted: Bool
        let active: Bool
        let prohibit_login: Bool
        let location: String
        let website: String
        let description: String
        let visibility: String
        let followers_count: Int
        let following_count: Int
        let starred_repos_count: Int
        let username: String

        init(_ account: Account, login: String, baseURL: String) {
            id = account.id
            self.login = login
            login_name = ""
            full_name = ""
            email = "\(login)@noreply.localhost"
            avatar_url = "\(baseURL)/avatars/\(account.id)"
            language = ""
            is_admin = account.isAdmin
            last_login = (account.lastLogin ?? account.created).formatted(.iso8601)
            created = account.created.formatted(.iso8601)
            restricted = false
            active = account.isActive
            prohibit_login = account.prohibitLogin
            location = ""
            website = ""
            description = ""
            visibility = "public"
            followers_count = 0
            following_count = 0
            starred_repos_count = 0
            username = login
        }
    }

    /// `GET /user`: a token needs `read:user` (write or `all` include it); Basic password works too.
    func currentUser(_ request: Request, _ context: StandInContext) async throws -> Response {
        try await faulted(.user, context) { rule in
            let caller = try await authenticate(request)
            if case .token(_, let token, _) = caller, !token.scopes.allows("user", write: false) {
                throw APIError.missingScope("read:user", tokenScope: token.scopes)
            }
            guard let account = caller.account else { throw APIError.tokenRequired }
            let login = rule?.login ?? account.name
            return JSONResponse.make(status: 200, UserJSON(account, login: login, baseURL: await state.baseURL))
        }
    }

    /// `GET /version` (routers/api/v1/misc/version.go): public, though a bad credential is still
    /// refused before it, as in Gitea. It states the version the stand-in models.
    func version(_ request: Request, _ context: StandInContext) async throws -> Response {
        let version = options.version
        return try await faulted(.version, context) { _ in
            _ = try await authenticate(request)
            return JSONResponse.make(status: 200, ["version": version])
        }
    }

    struct SelfTokenJSON: Encodable {
        struct Owner: Encodable {
            let id: Int
            let login: String
        }

        let id: Int
        let name: String
        let scopes: [String]
        let created_at: String
        let last_used_at: String
        let user: Owner
    }

    /// The calling token, for `GET /token` and `DELETE /token` (only on servers since mid-2026;
    /// their handler is newer than the Gitea source snapshots read here, so this follows the
    /// behaviour recorded in gitea-api.md). Only a token in the `Authorization` header names
    /// itself: a password, a token in the query or as a Basic password gets 404
    /// `invalid personal token`; no credentials 401.
    private func callingToken(_ request: Request) async throws(APIError) -> (Account, TokenRecord) {
        let caller = try await authenticate(request)
        switch caller {
        case .token(let account, let token, via: .header): return (account, token)
        case .anonymous: throw .tokenRequired
        default: throw .notFound("invalid personal token")
        }
    }

    func selfToken(_ request: Request, _ context: StandInContext) async throws -> Response {
        try await faulted(.token, context) { _ in
            let (account, token) = try await callingToken(request)
            return JSONResponse.make(
                status: 200,
                SelfTokenJSON(
                    id: token.id, name: token.name, scopes: token.scopes.names,
                    created_at: token.created.formatted(.iso8601),
                    last_used_at: token.lastUsed.formatted(.iso8601),
                    user: .init(id: account.id, login: account.name)
                )
            )
        }
    }

    func revokeSelfToken(_ request: Request, _ context: StandInContext) async throws -> Response {
        try await faulted(.token, context) { _ in
            let (_, token) = try await callingToken(request)
            await state.revoke(tokenID: token.id)
            return JSONResponse.empty(status: 204)
        }
    }
}
