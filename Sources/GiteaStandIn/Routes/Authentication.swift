import Foundation
import HTTPTypes
import Hummingbird

/// How a token reached the server.
enum TokenTransport: Sendable {
    /// `Authorization: token X` or `Bearer X`.
    case header
    /// `?token=X` or `?access_token=X`.
    case query
    /// As the Basic password (`user:X`) or user name (`X:` or `X:x-oauth-basic`).
    case basic
}

/// Who is calling, after Gitea's API-wide sign-in, account checks and sudo have run.
enum Caller: Sendable {
    case anonymous
    case password(Account)
    case token(Account, TokenRecord, via: TokenTransport)

    var account: Account? {
        switch self {
        case .anonymous: nil
        case .password(let account), .token(let account, _, _): account
        }
    }

    /// Gitea's `ctx.IsBasicAuth`: signed in by the Basic method, password or token alike.
    var isBasicAuth: Bool {
        switch self {
        case .password: true
        case .token(_, _, let via): via == .basic
        case .anonymous: false
        }
    }

    /// The same credentials acting as another user (sudo).
    func acting(as other: Account) -> Caller {
        switch self {
        case .anonymous: .anonymous
        case .password: .password(other)
        case .token(_, let token, let via): .token(other, token, via: via)
        }
    }
}

extension HTTPField.Name {
    static let giteaOTP = HTTPField.Name("X-Gitea-OTP")!
    static let totalCount = HTTPField.Name("X-Total-Count")!
    static let sudo = HTTPField.Name("Sudo")!
    static let exposeHeaders = HTTPField.Name("Access-Control-Expose-Headers")!
}

extension StandInAPI {
    /// Gitea's sign-in, run before any route, in Gitea's order:
    /// 1. `?token=`, then `?access_token=`, then `Authorization: token|bearer X` with the scheme
    ///    matched case-insensitively (`parseToken` in services/auth/oauth2.go);
    /// 2. `Authorization: Basic`, where a token as the password (`user:X`) or as the user name
    ///    (`X:`, `X:x-oauth-basic`) signs in as the token's owner whatever the name says, and
    ///    anything else is a name and password plus `X-Gitea-OTP` for TOTP users
    ///    (services/auth/basic.go);
    /// 3. the account checks of `verifyAuthWithOptions` (routers/api/v1/api.go): 403 for a
    ///    disabled or prohibited account and for one that must change its password;
    /// 4. `sudo()` (routers/api/v1/api.go): `?sudo=` or `Sudo:` lets a site admin act as another
    ///    user; anyone else gets 403 `Only administrators allowed to sudo.`
    /// Bad credentials are 401 before the route sees them; no credentials is anonymous.
    func authenticate(_ request: Request) async throws(APIError) -> Caller {
        let caller = try await signIn(request)
        if let account = caller.account {
            if !account.isActive || account.prohibitLogin { throw .prohibitedAccount }
            if account.mustChangePassword { throw .mustChangePassword(baseURL: await state.baseURL) }
        }
        return try await applySudo(request, to: caller)
    }

    private func signIn(_ request: Request) async throws(APIError) -> Caller {
        let query = request.uri.queryParameters
        for name in ["token", "access_token"] {
            if let value = query.get(name), !value.isEmpty {
                let (account, token) = try await state.signIn(token: value)
                return .token(account, token, via: .query)
            }
        }
        guard let header = request.headers[.authorization] else { return .anonymous }
        let fields = header.split(separator: " ", maxSplits: 1).map(String.init)
        guard fields.count == 2 else { return .anonymous }
        let scheme = fields[0].lowercased()
        if scheme == "token" || scheme == "bearer" {
            let (account, token) = try await state.signIn(token: fields[1])
            return .token(account, token, via: .header)
        }
        guard scheme == "basic",
            let decoded = Data(base64Encoded: fields[1].trimmingCharacters(in: .whitespaces))
                .flatMap({ String(data: $0, encoding: .utf8) })
        else { return .anonymous }
        let colon = decoded.firstIndex(of: ":")
        let name = colon.map { String(decoded[..<$0]) } ?? decoded
        let password = colon.map { String(decoded[decoded.index(after: $0)...]) } ?? ""
        let candidate = password.isEmpty || password == "x-oauth-basic" ? name : password
        if let (account, token) = try? await state.signIn(token: candidate) {
            return .token(account, token, via: .basic)
        }
        let account = try await state.signIn(name: name, password: password, otp: request.headers[.giteaOTP])
        return .password(account)
    }

    private func applySudo(_ request: Request, to caller: Caller) async throws(APIError) -> Caller {
        var target = request.uri.queryParameters.get("sudo") ?? ""
        if target.isEmpty { target = request.headers[.sudo] ?? "" }
        guard !target.isEmpty else { return caller }
        guard let doer = caller.account, doer.isAdmin else { throw .onlyAdminsMaySudo }
        guard let other = await state.account(named: target) else {
            throw .notFound("user redirect does not exist [name: \(target.lowercased())]")
        }
        return caller.acting(as: other)
    }
}
