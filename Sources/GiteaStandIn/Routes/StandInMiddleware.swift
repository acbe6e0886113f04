import Hummingbird
import Logging

/// Runs around every request: records method and path (never headers, never the query, which
/// may carry `?token=`), keeps the controls to loopback peers, reads the body into memory, and
/// gives unknown routes Gitea's 404 body.
struct StandInMiddleware: RouterMiddleware {
    typealias Context = StandInContext

    /// Far below Gitea's own limit, and far above anything a token call sends.
    static let bodyLimit = 1 << 20

    let state: StandInState
    let logger: Logger

    func handle(
        _ request: Request, context: StandInContext,
        next: (Request, StandInContext) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        let method = request.method.rawValue
        logger.info("request", metadata: ["method": "\(method)", "path": "\(path)"])
        let isControl = path == "/_standin" || path.hasPrefix("/_standin/")
        if isControl {
            guard context.peerIsLoopback else {
                return APIError.forbidden("fault controls answer loopback clients only")
                    .response(baseURL: await state.baseURL)
            }
        } else {
            await state.record(method: method, path: path)
        }
        var request = request
        do {
            _ = try await request.collectBody(upTo: Self.bodyLimit)
        } catch {
            return APIError(status: 413, message: "request body too large").response(baseURL: await state.baseURL)
        }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return APIError.notFound().response(baseURL: await state.baseURL)
        }
    }
}
