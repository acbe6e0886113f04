import Foundation
import HTTPTypes
import Hummingbird

/// Who is calling, after Gitea's API-wide sign-in has run.
enum Caller: Sendable {
    case anonymous
    case password(Account)
    case token(Account, TokenRecord)

    var account: Account? {
        switch self {
        case .anonymous: nil
        case .password(let account), .token(let account, _): account
        }
    }
}

extension HTTPField.Name {
    static let giteaOTP = HTTPField.Name("X-Gitea-OTP")!
    static let totalCount = HTTPField.Name("X-Total-Count")!
}

extension StandInAPI {
    /// Gitea's sign-in, run before any route: `token <v>` or `Bearer <v>` is a token, `Basic` is a
    /// name and password (plus `X-Gitea-OTP` when the user has TOTP). Bad credentials of either
    /// kind are 401 before the route sees them; no credentials is anonymous.
    func authenticate(_ request: Request) async throws(APIError) -> Caller {
        guard let header = request.headers[.authorization] else { return .anonymous }
        let fields = header.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count == 2 else { return .anonymous }
        if fields[0] == "token" || fields[0].lowercased() == "bearer" {
            let (account, token) = try await state.signIn(token: fields[1])
            return .token(account, token)
        }
        guard fields[0].lowercased() == "basic",
            let decoded = Data(base64Encoded: fields[1]).flatMap({ String(data: $0, encoding: .utf8) }),
            let colon = decoded.firstIndex(of: ":")
        else { return .anonymous }
        let name = String(decoded[..<colon])
        let password = String(decoded[decoded.index(after: colon)...])
        let account = try await state.signIn(name: name, password: password, otp: request.headers[.giteaOTP])
        return .password(account)
    }
}
