import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOHTTP1
import NIOSSL

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
    public enum Kind: Sendable { case connect, timeout, connectionLost, tooLarge, other }
    public var kind: Kind
    public var detail: String

    public var mayHaveReachedServer: Bool { kind != .connect }

    public var description: String {
        switch kind {
        case .connect: "could not connect (\(detail))"
        case .timeout: "timed out (\(detail))"
        case .connectionLost: "the connection closed before an answer arrived (\(detail))"
        case .tooLarge: "the answer is larger than \(detail), more than any Gitea answer rekey asks for"
        case .other: detail
        }
    }
}

public protocol HTTPTransport: Sendable {
    /// Sends `exchange` and returns the whole answer, or fails once `timeout` has passed: the
    /// deadline covers connecting, the headers and the whole body.
    func send(_ exchange: HTTPExchange, timeout: Duration) async throws(TransportFailure) -> HTTPAnswer
    func shutdown() async
}

/// The live transport over async-http-client. Its own logger stays off: at `.trace` it would log
/// whole requests and responses, which carry credentials and token values.
///
/// TLS verification is always on (certificate chain and host name). A private CA is added to the
/// system's trust roots with `caFile` (PEM), read once, at construction.
public final class LiveHTTPTransport: HTTPTransport, @unchecked Sendable {
    private let configuration: HTTPClient.Configuration
    private let mutex = NSLock()
    private var made: HTTPClient?

    /// The event loops of every transport in the process: at most two threads (rekey talks to one
    /// server at a time per consumer; NIO multiplexes many connections on a thread), created on the
    /// first exchange, never at start-up, and never shut down (the process exits).
    private static let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: min(2, System.coreCount))

    /// The client if one was made (shutdown must not make one).
    private func currentClient() -> HTTPClient? {
        mutex.lock()
        defer { mutex.unlock() }
        return made
    }

    /// The one client, created on the first exchange: a command that never reaches the server
    /// starts no event loop.
    private var client: HTTPClient {
        mutex.lock()
        defer { mutex.unlock() }
        if let made { return made }
        let client = HTTPClient(eventLoopGroup: Self.eventLoops, configuration: configuration)
        made = client
        return client
    }
    /// Largest body rekey accepts from Gitea; a page of 50 tokens is a few KiB.
    public static let maxBodyBytes = 1024 * 1024

    public init(connectTimeout: Duration = .seconds(5), caFile: String? = nil) throws(CAFileError) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000))
        configuration.redirectConfiguration = .disallow
        configuration.httpVersion = .http1Only
        if let caFile {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw CAFileError(path: caFile)
            }
            guard !certificates.isEmpty else { throw CAFileError(path: caFile) }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.additionalTrustRoots = [.certificates(certificates)]
            tls.certificateVerification = .fullVerification
            configuration.tlsConfiguration = tls
        }
        self.configuration = configuration
    }

    public func send(_ exchange: HTTPExchange, timeout: Duration) async throws(TransportFailure) -> HTTPAnswer {
        var request = HTTPClientRequest(url: exchange.url)
        request.method = HTTPMethod(rawValue: exchange.method)
        for (name, value) in exchange.headers { request.headers.add(name: name, value: value) }
        if let body = exchange.body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let nanos = max(1, Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        let deadline = NIODeadline.now() + .nanoseconds(nanos)
        let client = self.client
        let prepared = request
        // The headers' deadline is async-http-client's; the body's is the race below. Whichever of
        // the exchange and the timer ends first decides, and the loser is cancelled (a cancelled
        // exchange closes its connection), so a trickled body never holds rekey past the deadline.
        let outcome: Result<HTTPAnswer, TransportFailure> = await Race.first(within: .nanoseconds(nanos)) {
            do {
                let response = try await client.execute(prepared, deadline: deadline, logger: nil)
                let buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
                return .success(HTTPAnswer(
                    status: Int(response.status.code),
                    headers: response.headers.map { ($0.name, $0.value) },
                    body: Array(buffer.readableBytesView)
                ))
            } catch let error as HTTPClientError {
                return .failure(Self.classify(error))
            } catch is NIOTooManyBytesError {
                return .failure(TransportFailure(kind: .tooLarge, detail: "1 MiB"))
            } catch {
                return .failure(Self.classify(other: error))
            }
        } onTimeout: {
            .failure(TransportFailure(kind: .timeout, detail: "no whole answer within \(Self.seconds(nanos)), body included"))
        }
        return try outcome.get()
    }

    static func seconds(_ nanos: Int64) -> String {
        nanos % 1_000_000_000 == 0 ? "\(nanos / 1_000_000_000) s" : String(format: "%.1f s", Double(nanos) / 1e9)
    }

    public func shutdown() async {
        let client = currentClient()
        try? await client?.shutdown()
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
    /// after the request was written, say) may have reached the server. A TLS failure (an unknown
    /// CA, a wrong host name) happens before the request is written: `.connect`.
    static func classify(other error: Error) -> TransportFailure {
        if let io = error as? IOError {
            let neverConnected = [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL].contains(io.errnoCode)
            return TransportFailure(kind: neverConnected ? .connect : .connectionLost,
                                    detail: String(cString: strerror(io.errnoCode)).lowercased())
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return TransportFailure(kind: .connect, detail: "TLS handshake failed: \(String(describing: error)); "
                                        + "for a private CA give its certificate with gitea.ca_file or --ca-file")
        }
        if String(reflecting: type(of: error)).hasSuffix("NIOConnectionError") {
            return TransportFailure(kind: .connect, detail: "connection refused or host unreachable")
        }
        return TransportFailure(kind: .other, detail: String(describing: type(of: error)))
    }
}

/// A CA file that is not a readable PEM certificate. Exit 78.
public struct CAFileError: RekeyError {
    public var path: String
    public var exitStatus: ExitStatus { .config }
    public var description: String {
        "ca file \(path) (gitea.ca_file or --ca-file) is not a readable PEM certificate; give the private CA's certificate"
    }
}

/// Runs `work` and a timer; returns whichever ends first and cancels the other, without waiting for
/// a cancelled `work` to notice.
enum Race {
    static func first<T: Sendable>(within limit: Duration, _ work: @escaping @Sendable () async -> T,
                                   onTimeout: @escaping @Sendable () -> T) async -> T {
        let box = OnceBox<T>()
        let timer = TimerHandle()
        return await withCheckedContinuation { continuation in
            box.set(continuation)
            let worker = Task {
                box.resume(with: await work())
                // The timer goes as soon as the work ends: left sleeping, it would keep this task
                // (and its answer) alive for the whole limit, one per exchange of a fleet.
                timer.cancel()
            }
            timer.set(Task {
                // Cancelled: the work ended first.
                guard (try? await Task.sleep(for: limit)) != nil else { return }
                if box.resume(with: onTimeout()) { worker.cancel() }
            })
        }
    }

    /// The timer task, cancelled by the work that ends first (also before it is set).
    final class TimerHandle: @unchecked Sendable {
        private let lock = NSLock()
        private var task: Task<Void, Never>?
        private var cancelled = false

        func set(_ task: Task<Void, Never>) {
            let cancelNow = lock.withLock {
                self.task = task
                return cancelled
            }
            if cancelNow { task.cancel() }
        }

        func cancel() {
            let task = lock.withLock {
                cancelled = true
                defer { self.task = nil }
                return self.task
            }
            task?.cancel()
        }
    }

    /// Resumes a continuation once; later results are dropped.
    final class OnceBox<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<T, Never>?

        func set(_ continuation: CheckedContinuation<T, Never>) {
            lock.withLock { self.continuation = continuation }
        }

        @discardableResult
        func resume(with value: T) -> Bool {
            let taken: CheckedContinuation<T, Never>? = lock.withLock {
                defer { continuation = nil }
                return continuation
            }
            taken?.resume(returning: value)
            return taken != nil
        }
    }
}
