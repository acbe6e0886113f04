import Foundation
import Hummingbird

/// The routes' shared handle on the server state, and the wrapper that turns refusals into
/// Gitea-shaped answers and applies fault rules.
struct StandInAPI: Sendable {
    let state: StandInState
    let tokenSelfEndpoints: Bool

    /// Runs `operation`, turning an `APIError` into its JSON answer.
    func answer(_ operation: () async throws -> Response) async throws -> Response {
        do {
            return try await operation()
        } catch let error as APIError {
            return error.response(baseURL: await state.baseURL)
        }
    }

    /// Applies the first pending fault rule for `route`, if any, around the real operation.
    /// The operation gets the rule so that `/user` can honour `login`.
    func faulted(
        _ route: FaultRule.Route,
        _ context: StandInContext,
        _ operation: (FaultRule?) async throws -> Response
    ) async throws -> Response {
        guard let rule = await state.takeFault(for: route) else {
            return try await answer { try await operation(nil) }
        }
        var committed: Response?
        if rule.afterCommit {
            committed = try await answer { try await operation(rule) }
        }
        if rule.delayMilliseconds > 0 {
            try await Task.sleep(for: .milliseconds(rule.delayMilliseconds))
        }
        if rule.drop {
            try? await context.channel.close(mode: .all).get()
            throw ConnectionDropped()
        }
        if let status = rule.status {
            return APIError.injected(status: status).response(baseURL: await state.baseURL)
        }
        if let committed { return committed }
        return try await answer { try await operation(rule) }
    }

    /// Reads a request body, capped; Gitea's own limit is far larger than anything sent here.
    func body(of request: Request) async throws -> Data {
        var request = request
        let buffer = try await request.collectBody(upTo: 1 << 20)
        return Data(buffer.readableBytesView)
    }
}
