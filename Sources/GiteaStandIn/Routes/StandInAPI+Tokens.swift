import Foundation
import Hummingbird

/// `/users/{username}/tokens`: mint, list and delete, with Gitea's checks in Gitea's order.
extension StandInAPI {
    /// A token as the API shows it; `sha1` is the value only in the 201 answer, empty elsewhere.
    struct TokenJSON: Encodable {
        let id: Int
        let name: String
        let sha1: String
        let token_last_eight: String
        let scopes: [String]

        init(_ record: TokenRecord, value: String = "") {
            id = record.id
            name = record.name
            sha1 = value
            token_last_eight = record.lastEight
            scopes = record.scopes.names
        }
    }

    struct CreateTokenOption: Decodable {
        let name: String?
        let scopes: [String]?
    }

    /// The middleware chain Gitea runs before the token handlers: sign-in, the token's `user`
    /// scope, the user lookup (404), self-or-admin (403), and finally password auth (401).
    func tokenRouteOwner(_ request: Request, username: String, write: Bool) async throws(APIError) -> Account {
        let caller = try await authenticate(request)
        if case .token(_, let token) = caller, !token.scopes.allows("user", write: write) {
            throw .missingScope(write ? "write:user" : "read:user")
        }
        guard let owner = await state.account(named: username) else {
            throw .notFound("user redirect does not exist [name: \(username.lowercased())]")
        }
        guard let doer = caller.account, doer.isAdmin || doer.id == owner.id else { throw .selfOrAdmin }
        guard case .password = caller else { throw .authRequired }
        return owner
    }

    func mint(_ request: Request, _ context: StandInContext) async throws -> Response {
        try await faulted(.mint, context) { _ in
            let owner = try await tokenRouteOwner(request, username: context.username, write: true)
            let option: CreateTokenOption
            do {
                option = try JSONDecoder().decode(CreateTokenOption.self, from: try await body(of: request))
            } catch {
                throw APIError.unprocessable("[]: invalid JSON body")
            }
            guard let name = option.name, !name.isEmpty else { throw APIError.unprocessable("[Name]: Required") }
            let (record, value) = try await state.mint(for: owner, name: name, scopes: option.scopes ?? [])
            return JSONResponse.make(status: 201, TokenJSON(record, value: value))
        }
    }

    func list(_ request: Request, _ context: StandInContext) async throws -> Response {
        try await faulted(.list, context) { _ in
            let owner = try await tokenRouteOwner(request, username: context.username, write: false)
            let query = request.uri.queryParameters
            let page = max(1, query.get("page", as: Int.self) ?? 1)
            var limit = query.get("limit", as: Int.self) ?? 0
            if limit <= 0 { limit = 30 }
            limit = min(limit, 50)
            let (records, total) = await state.tokens(of: owner, page: page, limit: limit)
            return JSONResponse.make(
                status: 200, records.map { TokenJSON($0) }, headers: [.totalCount: String(total)]
            )
        }
    }

    func delete(_ request: Request, _ context: StandInContext) async throws -> Response {
        try await faulted(.delete, context) { _ in
            let owner = try await tokenRouteOwner(request, username: context.username, write: true)
            try await state.delete(for: owner, reference: context.parameters.get("id") ?? "")
            return JSONResponse.empty(status: 204)
        }
    }
}

extension StandInContext {
    var username: String { parameters.get("username") ?? "" }
}
