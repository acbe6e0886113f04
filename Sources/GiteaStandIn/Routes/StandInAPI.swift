import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The routes' shared handle on the server state, and the wrapper that turns refusals into
/// Gitea-shaped answers and applies fault rules.
struct StandInAPI: Sendable {
    let state: StandInState
    let options: GiteaStandIn.Options

    /// Runs `operation`, turning an `APIError` into its JSON answer.
    func answer(_ operation: () async throws -> Response) async throws -> Response {
        do {
            return try await operation()
        } catch let error as APIError {
            return error.response(baseURL: await state.baseURL)
        }
    }

    /// Applies the first pending fault rule for `route`, if any, around the real operation.
    /// The operation gets the rule so that mint and `/user` can honour its hostile fields.
    ///
    /// With a rule, the work runs in a task of its own: a client that hangs up (a SIGKILLed
    /// rekey) does not cancel a delayed mint, which then commits after the delay as a request
    /// already inside a real server would. Only `GiteaStandIn.stop()` cancels it.
    func faulted(
        _ route: FaultRule.Route,
        _ context: StandInContext,
        _ operation: @escaping @Sendable (FaultRule?) async throws -> Response
    ) async throws -> Response {
        guard let rule = await state.takeFault(for: route) else {
            return try await answer { try await operation(nil) }
        }
        let channel = context.channel
        let work = Task { () async throws -> Response in
            var committed: Response?
            if rule.afterCommit {
                committed = try await answer { try await operation(rule) }
            }
            if rule.delayMilliseconds > 0 {
                try await Task.sleep(for: .milliseconds(rule.delayMilliseconds))
            }
            if rule.drop {
                try? await channel.close(mode: .all).get()
                throw ConnectionDropped()
            }
            if let status = rule.status {
                return APIError.injected(status: status, message: rule.message).response(baseURL: await state.baseURL)
            }
            if let committed { return committed }
            return try await answer { try await operation(rule) }
        }
        // Stopping the server cancels the work, so that stop() does not wait out a long delay.
        let ticket = await state.track { work.cancel() }
        let response: Response
        do {
            response = try await work.value
            await state.untrack(ticket)
        } catch {
            await state.untrack(ticket)
            throw error
        }
        let padded = rule.padBytes > 0 ? response.padded(with: rule.padBytes) : response
        guard rule.trickleMilliseconds > 0 else { return padded }
        return padded.trickled(every: .milliseconds(rule.trickleMilliseconds))
    }

    /// A request's body. The middleware has already read it into memory (capped at 1 MiB), so
    /// a delayed handler still has it after the client hung up.
    func body(of request: Request) async throws -> Data {
        var request = request
        let buffer = try await request.collectBody(upTo: StandInMiddleware.bodyLimit)
        return Data(buffer.readableBytesView)
    }
}

extension Response {
    /// The same answer followed by `count` spaces, sent in 64 KiB pieces.
    func padded(with count: Int) -> Response {
        var response = self
        let original = body
        response.body = ResponseBody(contentLength: original.contentLength.map { $0 + count }) { writer in
            try await original.write(PaddingWriter(parent: writer, padding: count))
        }
        return response
    }

    /// The same answer with its head sent at once and its body one byte per `interval`.
    func trickled(every interval: Duration) -> Response {
        var response = self
        let original = body
        response.body = ResponseBody(contentLength: original.contentLength) { writer in
            try await original.write(TrickleWriter(parent: writer, interval: interval))
        }
        return response
    }
}

/// Passes a body on, then writes the padding before finishing.
private struct PaddingWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    let padding: Int

    mutating func write(_ buffer: ByteBuffer) async throws {
        try await parent.write(buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        var left = padding
        while left > 0 {
            let piece = min(left, 1 << 16)
            try await parent.write(ByteBuffer(repeating: UInt8(ascii: " "), count: piece))
            left -= piece
        }
        try await parent.finish(trailingHeaders)
    }
}

/// Passes a body on one byte at a time with a pause before each byte after the first.
private struct TrickleWriter: ResponseBodyWriter {
    var parent: any ResponseBodyWriter
    let interval: Duration
    var started = false

    mutating func write(_ buffer: ByteBuffer) async throws {
        for byte in buffer.readableBytesView {
            if started { try await Task.sleep(for: interval) }
            started = true
            try await parent.write(ByteBuffer(bytes: [byte]))
        }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await parent.finish(trailingHeaders)
    }
}
