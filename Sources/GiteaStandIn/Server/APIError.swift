import Foundation
import Hummingbird
import HTTPTypes

/// A Gitea-shaped refusal: a status and a message for people. The body is built with the
/// server's own swagger URL, as Gitea does.
struct APIError: Error, Sendable {
    let status: Int
    let message: String
    /// Gitea's 404s carry an `errors` list; most other errors do not.
    var errors: [String]?

    static func unauthorized(_ message: String) -> APIError { APIError(status: 401, message: message) }
    static func forbidden(_ message: String) -> APIError { APIError(status: 403, message: message) }
    static func badRequest(_ message: String) -> APIError { APIError(status: 400, message: message) }
    static func unprocessable(_ message: String) -> APIError { APIError(status: 422, message: message) }
    static func notFound(_ detail: String? = nil) -> APIError {
        APIError(status: 404, message: "The target couldn't be found.", errors: detail.map { [$0] } ?? [])
    }

    static let invalidCredentials = unauthorized("invalid username, password or token")
    static let invalidOTP = unauthorized("invalid provided OTP")
    static let authRequired = unauthorized("auth required")
    static let tokenRequired = unauthorized("token is required")
    static let selfOrAdmin = forbidden("doer should be the site admin or be same as the contextUser")

    static func missingScope(_ scope: String) -> APIError {
        forbidden("token does not have at least one of required scope(s): [\(scope)]")
    }

    /// The error a fault rule asks for: the status with its usual reason as the message.
    static func injected(status: Int) -> APIError {
        let reasons = [
            400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
            422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
        ]
        return APIError(status: status, message: reasons[status] ?? "injected fault (status \(status))")
    }

    func response(baseURL: String) -> Response {
        struct Body: Encodable {
            let message: String
            let url: String
            let errors: [String]?
        }
        return JSONResponse.make(
            status: status, Body(message: message, url: baseURL + "/api/swagger", errors: errors)
        )
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
