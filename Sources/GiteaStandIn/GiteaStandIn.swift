import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// A stand-in Gitea server on loopback, faithful to the token API in `gitea-api.md`, with
/// fault controls. A real HTTP server: tests talk to it over TCP like they would to Gitea.
///
/// ```swift
/// let server = GiteaStandIn(users: [StandInUser(name: "alice", password: "pw")])
/// let baseURL = try await server.start()      // "http://127.0.0.1:PORT"
/// defer { Task { await server.stop() } }      // or `await server.stop()` at the end
/// ```
public actor GiteaStandIn {
    private let state: StandInState
    private let api: StandInAPI
    private let logger: Logger
    private var running: Running?

    private struct Running {
        let group: ServiceGroup
        let task: Task<Void, any Error>
        let baseURL: String
    }

    /// - Parameters:
    ///   - users: the accounts; names are unique case-insensitively (the first one wins).
    ///   - tokenSelfEndpoints: answer `GET /token` and `DELETE /token` like newer servers.
    ///   - logRequests: log each request's method and path at `.info` (the executable does);
    ///     otherwise only warnings are logged.
    ///   - now: the clock TOTP codes and timestamps use.
    public init(
        users: [StandInUser],
        tokenSelfEndpoints: Bool = false,
        logRequests: Bool = false,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        let state = StandInState(users: users, now: now)
        self.state = state
        self.api = StandInAPI(state: state, tokenSelfEndpoints: tokenSelfEndpoints)
        var logger = Logger(label: "gitea-standin")
        logger.logLevel = logRequests ? .info : .warning
        self.logger = logger
    }

    /// Starts serving on 127.0.0.1 and returns the base URL, e.g. `http://127.0.0.1:43117`.
    /// Port 0 picks a free port. Starting a running server returns its URL again.
    public func start(port: Int = 0) async throws -> String {
        try await start(host: "127.0.0.1", port: port)
    }

    /// Starts serving on `host`. Anything but loopback is for testing the loopback-only fault
    /// controls; the returned URL then still names 127.0.0.1 when `host` is a wildcard.
    public func start(host: String, port: Int) async throws -> String {
        try await launch(host: host, port: port, signals: []).baseURL
    }

    /// Serves until SIGTERM or SIGINT, for the executable. `onReady` gets the base URL once the
    /// socket is listening.
    public func serveUntilSignalled(port: Int = 0, onReady: @Sendable (String) -> Void) async throws {
        let running = try await launch(host: "127.0.0.1", port: port, signals: [.sigterm, .sigint])
        onReady(running.baseURL)
        try await running.task.value
        self.running = nil
    }

    /// Stops serving: in-flight requests get two seconds to finish, then they are cancelled.
    public func stop() async {
        guard let running else { return }
        self.running = nil
        await running.group.triggerGracefulShutdown()
        _ = try? await running.task.value
    }

    /// The base URL while running.
    public var baseURL: String? { running?.baseURL }

    private func launch(host: String, port: Int, signals: [UnixSignal]) async throws -> Running {
        if let running { return running }
        let (ports, portsContinuation) = AsyncStream.makeStream(of: Result<Int, any Error>.self)
        let app = Application(
            router: api.makeRouter(logger: logger),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                if let port = channel.localAddress?.port {
                    portsContinuation.yield(.success(port))
                }
            },
            logger: logger
        )
        var configuration = ServiceGroupConfiguration(
            services: [app], gracefulShutdownSignals: signals, logger: logger
        )
        configuration.maximumGracefulShutdownDuration = .seconds(2)
        let group = ServiceGroup(configuration: configuration)
        let task = Task {
            defer { portsContinuation.finish() }
            do {
                try await group.run()
            } catch {
                portsContinuation.yield(.failure(error))
                throw error
            }
        }

        var iterator = ports.makeAsyncIterator()
        guard let first = await iterator.next() else { throw StartError.stoppedBeforeListening }
        let boundPort = try first.get()
        let shownHost = (host == "0.0.0.0" || host == "::") ? "127.0.0.1" : host
        let url = "http://\(shownHost.contains(":") ? "[\(shownHost)]" : shownHost):\(boundPort)"
        await state.setBaseURL(url)
        let running = Running(group: group, task: task, baseURL: url)
        self.running = running
        return running
    }

    public enum StartError: Error, CustomStringConvertible {
        case stoppedBeforeListening

        public var description: String {
            "the stand-in stopped before it was listening: check the port is free and try again"
        }
    }

    // MARK: Inspection for tests

    /// The user's tokens, newest first, without values.
    public func tokens(of user: String) async -> [StandInToken] {
        await state.snapshots(ofUserNamed: user)
    }

    public func addFault(_ rule: FaultRule) async {
        await state.add(rule)
    }

    public func clearFaults() async {
        await state.clearFaults()
    }

    /// Every API request so far as `METHOD /path`, oldest first: no query, no headers.
    /// Calls to the fault controls are not recorded.
    public func requestLog() async -> [String] {
        await state.requestLog
    }
}
