import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// One HTTP exchange, as the Gitea client sees it. The seam between rekey and the network: the live
/// implementation is async-http-client; engine tests may substitute a recording fake.
public struct HTTPExchange: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?

    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// Printing an exchange shows the method, the url and header names only: the values of
/// `Authorization` (a password or a token) must never reach a log or a debug print.
extension HTTPExchange: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "\(method) \(url) [headers: \(headers.map(\.0).joined(separator: ", "))] [body: \(body?.count ?? 0) bytes, not shown]"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["summary": description], displayStyle: .struct) }
}

public struct HTTPAnswer: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// An answer's body may be a minted token: printing shows the status and sizes only.
extension HTTPAnswer: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "HTTP \(status) [body: \(body.count) bytes, not shown]" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["summary": description], displayStyle: .struct) }
}

/// Why a request got no HTTP answer. `mayHaveReachedServer` is false only when the connection was
/// never made, so a non-idempotent request (a mint) is known not to have happened.
public struct TransportFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case connect, timeout, connectionLost, other }
    public var kind: Kind
    public var detail: String

    public var mayHaveReachedServer: Bool { kind != .connect }

    public var description: String {
        switch kind {
        case .connect: "could not connect (\(detail))"
        case .timeout: "timed out (\(detail))"
        case .connectionLost: "the connection closed before an answer arrived (\(detail))"
        case .other: detail
        }
    }
}

public protocol HTTPTransport: Sendable {
    func send(_ exchange: HTTPExchange, timeout: Duration) async throws(TransportFailure) -> HTTPAnswer
    func shutdown() async
}

/// The live transport over async-http-client. Its own logger stays off: at `.trace` it would log
/// whole requests and responses, which carry credentials and token values.
public final class LiveHTTPTransport: HTTPTransport {
    private let client: HTTPClient
    /// Largest body rekey accepts from Gitea; token listings are at most 50 small objects per page.
    private static let maxBodyBytes = 4 * 1024 * 1024

    public init(connectTimeout: Duration = .seconds(5)) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000))
        configuration.redirectConfiguration = .disallow
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    public func send(_ exchange: HTTPExchange, timeout: Duration) async throws(TransportFailure) -> HTTPAnswer {
        var request = HTTPClientRequest(url: exchange.url)
        request.method = HTTPMethod(rawValue: exchange.method)
        for (name, value) in exchange.headers { request.headers.add(name: name, value: value) }
        if let body = exchange.body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let nanos = Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(nanos), logger: nil)
            let buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
            return HTTPAnswer(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer.readableBytesView)
            )
        } catch let error as HTTPClientError {
            throw Self.classify(error)
        } catch {
            throw Self.classify(other: error)
        }
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    private static func classify(_ error: HTTPClientError) -> TransportFailure {
        switch error {
        case .connectTimeout: TransportFailure(kind: .connect, detail: "connect timeout")
        case .deadlineExceeded, .readTimeout, .writeTimeout: TransportFailure(kind: .timeout, detail: "no answer in time")
        case .remoteConnectionClosed: TransportFailure(kind: .connectionLost, detail: "remote closed the connection")
        default: TransportFailure(kind: .other, detail: String(describing: error))
        }
    }

    /// Only a failure to connect is `.connect` (the request certainly never reached the server):
    /// NIO's connection error, or an `IOError` from connect(2) itself. Any other I/O error (a reset
    /// after the request was written, say) may have reached the server.
    static func classify(other error: Error) -> TransportFailure {
        if let io = error as? IOError {
            let neverConnected = [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL].contains(io.errnoCode)
            return TransportFailure(kind: neverConnected ? .connect : .connectionLost,
                                    detail: String(cString: strerror(io.errnoCode)).lowercased())
        }
        if String(reflecting: type(of: error)).hasSuffix("NIOConnectionError") {
            return TransportFailure(kind: .connect, detail: "connection refused or host unreachable")
        }
        return TransportFailure(kind: .other, detail: String(describing: type(of: error)))
    }
}
