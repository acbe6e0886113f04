import Foundation
import Hummingbird

/// `/users/{username}/tokens`: mint, list and delete, with Gitea's checks in Gitea's order
/// (the route group in routers/api/v1/api.go, handlers in routers/api/v1/user/app.go).
extension StandInAPI {
    /// A token as the API shows it (modules/structs/user_app.go); `sha1` is the value only in
    /// the 201 answer, empty elsewhere. `created_at` and `last_used_at` are listed since 1.24.
    struct TokenJSON: Encodable {
        let id: Int
        let name: String
        let sha1: String
        let token_last_eight: String
        let scopes: [String]
        let created_at: String?
        let last_used_at: String?

        init(_ record: TokenRecord, value: String = "", timestamps: Bool = false) {
            self.init(
                id: record.id, name: record.name, value: value, lastEight: record.lastEight,
                scopes: record.scopes.names,
                created: timestamps ? record.created : nil, lastUsed: timestamps ? record.lastUsed : nil)
        }

        init(id: Int, name: String, value: String, lastEight: String, scopes: [String], created: Date?, lastUsed: Date?) {
            self.id = id
            self.name = name
            sha1 = value
            token_last_eight = lastEight
            self.scopes = scopes
            created_at = created?.formatted(.iso8601)
            last_used_at = lastUsed?.formatted(.iso8601)
        }

        /// One of the tokens an `extra_tokens` fault adds to a listing: older than every real one.
        static func phantom(_ index: Int, timestamps: Bool) -> TokenJSON {
            let created = timestamps ? Date(timeIntervalSince1970: 1_600_000_000 - Double(index)) : nil
            return TokenJSON(
                id: 10_000_000 + index, name: "phantom-\(index)", value: "",
                lastEight: String(format: "%08x", index), scopes: ["read:user"], created: created, lastUsed: created)
        }
    }

    struct CreateTokenOption: Decodable {
        let name: String?
        let scopes: [String]?
    }

    /// The middleware chain Gitea runs before the token handlers: sign-in, the token's `user`
    /// scope (`tokenRequiresScopes`), the user lookup (404), `reqSelfOrAdmin` (403), and
    /// `reqBasicOrRevProxyAuth` (401): Basic auth, with a password or a token as the password.
    func tokenRouteOwner(_ request: Request, username: String, write: Bool) async throws(APIError) -> Account {
        let caller = try await authenticate(request)
        if case .token(_, let token, _) = caller, !token.scopes.allows("user", write: write) {
            throw .missingScope(write ? "write:user" : "read:user", tokenScope: token.scopes)
        }
        guard let owner = await state.account(named: username) else {
            throw .notFound("user redirect does not exist [name: \(username.lowercased())]")
        }
        guard let doer = caller.account, doer.isAdmin || doer.id == owner.id else { throw .selfOrAdmin }
        guard caller.isBasicAuth else { throw .authRequired }
        return owner
    }

    /// The form `bind()` gives the handler (routers/api/v1/api.go, gitea.com/go-chi/binding):
    /// JSON or form-urlencoded by Content-Type; a missing or other type is 422.
    func createOption(from request: Request) async throws -> CreateTokenOption {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        let body = try await body(of: request)
        if type.contains("form-urlencoded") {
            var name: String?
            var scopes: [String] = []
            for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
                }
                guard let key = parts.first else { continue }
                let value = parts.count > 1 ? parts[1] : ""
                if key == "name" && name == nil { name = value }
                if key == "scopes" || key == "scopes[]" { scopes.append(value) }
            }
            return CreateTokenOption(name: name, scopes: scopes)
        }
        guard type.contains("json") else {
            throw APIError.unprocessable(type.isEmpty ? "[]: Empty Content-Type" : "[]: Unsupported Content-Type")
        }
        do {
            return try JSONDecoder().decode(CreateTokenOption.self, from: body)
        } catch {
            throw APIError.unprocessable("[]: invalid JSON body")
        }
    }

    func mint(_ request: Request, _ context: StandInContext) async throws -> Response {
        let username = context.username
        return try await faulted(.mint, context) { rule in
            let owner = try await tokenRouteOwner(request, username: username, write: true)
            let option = try await createOption(from: request)
            guard let name = option.name, !name.isEmpty else { throw APIError.unprocessable("[Name]: Required") }
            let (record, value) = try await state.mint(for: owner, name: name, scopes: option.scopes ?? [])
            let answer = TokenJSON(
                id: record.id, name: rule?.name ?? record.name, value: rule?.sha1 ?? value,
                lastEight: rule?.lastEight ?? record.lastEight, scopes: record.scopes.names, created: nil, lastUsed: nil)
            return JSONResponse.make(status: 201, answer)
        }
    }

    func list(_ request: Request, _ context: StandInContext) async throws -> Response {
        let username = context.username
        let timestamps = options.tokenTimestamps
        return try await faulted(.list, context) { rule in
            let owner = try await tokenRouteOwner(request, username: username, write: false)
            let query = request.uri.queryParameters
            let page = max(1, query.get("page", as: Int.self) ?? 1)
            var limit = query.get("limit", as: Int.self) ?? 0
            if limit <= 0 { limit = 30 }
            limit = min(limit, 50)
            let real = await state.tokens(of: owner)
            let total = real.count + (rule?.extraTokens ?? 0)
            let (start, overflow) = (page - 1).multipliedReportingOverflow(by: limit)
            var items: [TokenJSON] = []
            if !overflow && start < total {
                for index in start..<min(start + limit, total) {
                    items.append(
                        index < real.count
                            ? TokenJSON(real[index], timestamps: timestamps)
                            : .phantom(index - real.count, timestamps: timestamps))
                }
            }
            // `SetTotalCountHeader` (services/context/api.go) also exposes the header to CORS.
            return JSONResponse.make(
                status: 200, items, headers: [.totalCount: String(total), .exposeHeaders: "X-Total-Count"])
        }
    }

    func delete(_ request: Request, _ context: StandInContext) async throws -> Response {
        let username = context.username
        let reference = context.parameters.get("id") ?? ""
        return try await faulted(.delete, context) { _ in
            let owner = try await tokenRouteOwner(request, username: username, write: true)
            try await state.delete(for: owner, reference: reference)
            return JSONResponse.empty(status: 204)
        }
    }
}

extension StandInContext {
    var username: String { parameters.get("username") ?? "" }
}
