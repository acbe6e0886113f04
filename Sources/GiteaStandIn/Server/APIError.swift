import Foundation
import Hummingbird
import HTTPTypes

/// A Gitea-shaped refusal: a status and a message for people. The body is `{message, url}` with
/// the server's own swagger URL, as `APIContext.Error` and `NotFound` build it
/// (services/context/api.go); a few middleware refusals carry only `message` (`bare`).
struct APIError: Error, Sendable {
    let status: Int
    let message: String
    /// Only `{"message": ...}`, as `verifyAuthWithOptions` and `sudo` answer (`ctx.JSON`).
    var bare = false

    static func unauthorized(_ message: String) -> APIError { APIError(status: 401, message: message) }
    static func forbidden(_ message: String) -> APIError { APIError(status: 403, message: message) }
    static func badRequest(_ message: String) -> APIError { APIError(status: 400, message: message) }
    static func unprocessable(_ message: String) -> APIError { APIError(status: 422, message: message) }
    /// A 404 whose message names what is missing; `{message, url}`, no `errors` list.
    static func notFound(_ detail: String? = nil) -> APIError {
        APIError(status: 404, message: detail ?? "The target couldn't be found.")
    }

    static let invalidCredentials = unauthorized("invalid username, password or token")
    static let invalidOTP = unauthorized("invalid provided OTP")
    static let authRequired = unauthorized("auth required")
    static let tokenRequired = unauthorized("token is required")
    static let selfOrAdmin = forbidden("doer should be the site admin or be same as the contextUser")
    static let prohibitedAccount = APIError(
        status: 403, message: "This account is prohibited from signing in, please contact your site administrator.",
        bare: true)
    static let onlyAdminsMaySudo = APIError(status: 403, message: "Only administrators allowed to sudo.", bare: true)

    /// Gitea's `setting.AppURL` always ends in `/`, so the real message has a double slash.
    static func mustChangePassword(baseURL: String) -> APIError {
        APIError(
            status: 403, message: "You must change your password. Change it at: \(baseURL)//user/change_password",
            bare: true)
    }

    /// `tokenRequiresScopes` (routers/api/v1/api.go), current wording.
    static func missingScope(_ required: String, tokenScope: TokenScopes) -> APIError {
        forbidden(
            "token does not have at least one of required scope(s), required=[\(required)], "
                + "token scope=\(tokenScope.names.joined(separator: ","))")
    }

    /// The error a fault rule asks for: the status with its usual reason, or the rule's message.
    static func injected(status: Int, message: String? = nil) -> APIError {
        let reasons = [
            400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
            422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
        ]
        return APIError(status: status, message: message ?? reasons[status] ?? "injected fault (status \(status))")
    }

    func response(baseURL: String) -> Response {
        struct Body: Encodable {
            let message: String
            let url: String?
        }
        return JSONResponse.make(status: status, Body(message: message, url: bare ? nil : baseURL + "/api/swagger"))
    }
}

/// Encodes answers the way the stand-in sends them: JSON with Gitea's content type.
enum JSONResponse {
    static func make(status: Int, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain structs cannot fail; an empty object is a safe fallback regardless.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var fields = headers
        fields[.contentType] = "application/json;charset=utf-8"
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    static func empty(status: Int) -> Response {
        Response(status: HTTPResponse.Status(code: status))
    }
}
