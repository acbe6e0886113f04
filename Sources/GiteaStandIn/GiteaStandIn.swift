import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle
import UnixSignals

/// A stand-in Gitea server on loopback, faithful to the token API in `gitea-api.md`, with
/// fault controls. A real HTTP(S) server: tests talk to it over TCP like they would to Gitea.
///
/// What it models, each following the Gitea source file named where it is implemented:
/// single-use TOTP codes (`StandInState.signIn`), tokens in the query, header (any case) or as
/// a Basic password, sudo, disabled accounts (`StandInAPI.authenticate`), Content-Type checks,
/// scope refusals, `X-Total-Count` exposed to CORS, `created_at`/`last_used_at` (tokens routes),
/// `GET`/`DELETE /token` (optional), Go-style ids in DELETE paths (`GoParseInt`), and `/version`
/// stating the modelled version (`Options.version`).
///
/// Test controls, loopback only: `/_standin/faults` (`FaultRule`), `/_standin/users/{name}`
/// (`AccountState`), `/_standin/otp-log` (`OTPCheck`). See the README, "The stand-in".
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
    private let tls: TLSFiles?
    private var running: Running?

    /// The version `/version` reports by default: a 1.25 release with the 2026 TOTP replay fix.
    public static let defaultVersion = "1.25.4"
    /// Reported when `GET`/`DELETE /token` are on: those arrived in mid-2026.
    public static let tokenEndpointsVersion = "1.26.0"
    /// Reported when token timestamps are off: the last release before 1.24.
    public static let withoutTimestampsVersion = "1.23.8"

    /// What the stand-in models, fixed at creation.
    public struct Options: Sendable {
        /// Answer `GET /token` and `DELETE /token` like servers since mid-2026; otherwise 404.
        public var tokenSelfEndpoints: Bool
        /// List `created_at` and `last_used_at` per token, as Gitea 1.24 and later do.
        public var tokenTimestamps: Bool
        /// What `/version` says.
        public var version: String

        public init(tokenSelfEndpoints: Bool = false, tokenTimestamps: Bool = true, version: String? = nil) {
            self.tokenSelfEndpoints = tokenSelfEndpoints
            self.tokenTimestamps = tokenTimestamps
            self.version =
                version
                ?? (!tokenTimestamps
                    ? GiteaStandIn.withoutTimestampsVersion
                    : tokenSelfEndpoints ? GiteaStandIn.tokenEndpointsVersion : GiteaStandIn.defaultVersion)
        }
    }

    /// A PEM certificate chain and private key: the stand-in then serves https.
    public struct TLSFiles: Sendable {
        public var certificatePath: String
        public var privateKeyPath: String

        public init(certificatePath: String, privateKeyPath: String) {
            self.certificatePath = certificatePath
            self.privateKeyPath = privateKeyPath
        }
    }

    private struct Running {
        let group: ServiceGroup
        let task: Task<Void, any Error>
        let baseURL: String
    }

    /// - Parameters:
    ///   - users: the accounts; names are unique case-insensitively (the first one wins).
    ///   - tokenSelfEndpoints: answer `GET /token` and `DELETE /token` like newer servers.
    ///   - tokenTimestamps: list `created_at`/`last_used_at` (1.24+); false models an older server.
    ///   - version: what `/version` says; by default the version the other options model.
    ///   - tls: serve https with this certificate and key.
    ///   - singleUseOTP: refuse the one-time code accepted last for the user, as Gitea does since
    ///     the 2026 replay fix; false models Gitea before it, which accepted a code again.
    ///   - logRequests: log each request's method and path, and each one-time code check's user,
    ///     step and outcome, at `.info` (the executable does); otherwise only warnings are logged.
    ///     Never a query, header, body, password, code or token.
    ///   - now: the clock TOTP codes and timestamps use.
    public init(
        users: [StandInUser],
        tokenSelfEndpoints: Bool = false,
        tokenTimestamps: Bool = true,
        version: String? = nil,
        tls: TLSFiles? = nil,
        singleUseOTP: Bool = true,
        logRequests: Bool = false,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        var logger = Logger(label: "gitea-standin")
        logger.logLevel = logRequests ? .info : .warning
        self.logger = logger
        let state = StandInState(users: users, now: now, logger: logger, singleUseOTP: singleUseOTP)
        self.state = state
        self.tls = tls
        self.api = StandInAPI(
            state: state,
            options: Options(tokenSelfEndpoints: tokenSelfEndpoints, tokenTimestamps: tokenTimestamps, version: version))
    }

    /// Starts serving on 127.0.0.1 and returns the base URL, e.g. `http://127.0.0.1:43117`
    /// (`https://` with `tls`).
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

    /// Stops serving: delayed fault work is cancelled at once, other in-flight requests get two
    /// seconds to finish, then they are cancelled.
    public func stop() async {
        guard let running else { return }
        self.running = nil
        await state.cancelPendingWork()
        await running.group.triggerGracefulShutdown()
        _ = try? await running.task.value
    }

    /// The base URL while running.
    public var baseURL: String? { running?.baseURL }

    private func launch(host: String, port: Int, signals: [UnixSignal]) async throws -> Running {
        if let running { return running }
        let (ports, portsContinuation) = AsyncStream.makeStream(of: Result<Int, any Error>.self)
        let server: HTTPServerBuilder
        if let tls {
            server = try .tls(.http1(), tlsConfiguration: try Self.tlsConfiguration(tls))
        } else {
            server = .http1()
        }
        let app = Application(
            router: api.makeRouter(logger: logger),
            server: server,
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
        let scheme = tls == nil ? "http" : "https"
        let url = "\(scheme)://\(shownHost.contains(":") ? "[\(shownHost)]" : shownHost):\(boundPort)"
        await state.setBaseURL(url)
        let running = Running(group: group, task: task, baseURL: url)
        self.running = running
        return running
    }

    private static func tlsConfiguration(_ files: TLSFiles) throws(StartError) -> TLSConfiguration {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(files.certificatePath).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: files.privateKeyPath, format: .pem)
            return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        } catch {
            throw .unreadableTLSFiles(certificate: files.certificatePath, key: files.privateKeyPath)
        }
    }

    public enum StartError: Error, CustomStringConvertible {
        case stoppedBeforeListening
        case unreadableTLSFiles(certificate: String, key: String)

        public var description: String {
            switch self {
            case .stoppedBeforeListening:
                "the stand-in stopped before it was listening: check the port is free and try again"
            case .unreadableTLSFiles(let certificate, let key):
                "cannot use \(certificate) and \(key) for https: give a PEM certificate and its PEM private key"
            }
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

    /// Every one-time code check so far, oldest first: user, step and outcome, never the code.
    public func otpLog() async -> [OTPCheck] {
        await state.otpLog
    }

    /// Disables or re-enables an account, or makes it one that must change its password, at
    /// run time. Returns false when there is no such user.
    @discardableResult
    public func setAccountState(_ change: AccountState, ofUser name: String) async -> Bool {
        await state.setState(change, ofUserNamed: name) != nil
    }

    /// What `/version` reports.
    public nonisolated var version: String { api.options.version }
}
