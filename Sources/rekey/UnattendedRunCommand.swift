import ArgumentParser
import Dispatch
import Foundation
import Logging
import RekeyCore

extension Rekey.Run {
    /// `rekey run --unattended`: never reads standard input, prints nothing when all is well, one
    /// stderr line per failure, and exits with the worst consumer's code (README, "Unattended mode").
    func runUnattended() async throws {
        let stop = StopFlag()
        let signals = Self.watchSignals(stop)
        defer { signals.forEach { $0.cancel() } }
        let flags = unattendedOptions
        let options = flags.options
        let deadline = ContinuousClock.now + options.deadline
        let report: UnattendedReport = try await reportingErrors {
            let sealer = Sealer(key: try global.loadKey())
            let state = global.state
            try state.prepare()
            let transports = TransportPool(deadline: deadline)
            let retry = RetryPolicy.unattended(retries: options.retries, stop: stop, maxDelay: .seconds(10))
            let servers = UnattendedRun.Servers(
                client: { [server] book in
                    try GiteaServerPolicy.check(book.gitea.url, insecureHTTP: server.insecureHTTP || book.gitea.insecureHTTP,
                                                field: "gitea.url in \(book.sourcePath)", optOut: "gitea.insecure_http: true or --insecure-http")
                    var client = GiteaClient(baseURL: book.gitea.url, transport: try transports.transport(caFile: server.caFile ?? book.gitea.caFile),
                                             requestTimeout: .seconds(server.timeout), otpSteps: FileOTPSteps(state: state))
                    client.retry = retry
                    return client
                },
                journaled: { [server] url in
                    guard let transport = try? transports.transport(caFile: server.caFile) else {
                        return RefusedGitea(InsecureServerURL(field: "the journaled server", url: url, optOut: "--ca-file", reason: "cannot be used"))
                    }
                    return server.journaledClient(url: url, transport: transport, state: state)
                })
            let run = UnattendedRun(state: state, sealer: sealer, servers: servers, options: options, stop: stop, logger: Self.unattendedLogger(verbose: global.verbose))
            let entries = PlaybookSet.collect(playbooks, environment: global.environment)
            let report = await run.run(entries, deadline: deadline)
            await transports.shutdown()
            if let path = flags.prometheus {
                let records = StatusBook(state: state, sealer: sealer).all()
                do {
                    try PrometheusText.write(records, to: path)
                } catch {
                    printError("cannot write the prometheus file: \(ErrorLine.describe(error))")
                    throw ExitCode(ErrorLine.exitStatus(error).rawValue)
                }
            }
            return report
        }
        if json { printJSON(report) }
        for consumer in report.consumers where consumer.failed { printError(consumer.line) }
        if report.rc != 0 { throw ExitCode(Int32(report.rc)) }
    }

    /// SIGTERM and SIGINT set `stop` instead of killing the process: it stops at the next safe point.
    static func watchSignals(_ stop: StopFlag) -> [any DispatchSourceSignal] {
        [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { stop.stop() }
            source.resume()
            return source
        }
    }

    /// Under systemd (`JOURNAL_STREAM` set) everything from info up goes to the journal with
    /// structured fields; otherwise logs reach stderr only with --verbose, so that cron mails
    /// nothing but failures.
    static func unattendedLogger(verbose: Bool) -> Logger {
        if ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil, let journal = JournaldLogHandler(label: "rekey") {
            var logger = Logger(label: "rekey") { _ in journal }
            logger.logLevel = verbose ? .debug : .info
            return logger
        }
        var logger = Logger(label: "rekey") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .info : .critical
        return logger
    }
}

/// One HTTP client per CA file for the whole invocation, each bounded by the invocation's deadline.
final class TransportPool: @unchecked Sendable {
    private let lock = NSLock()
    private var live: [String: LiveHTTPTransport] = [:]
    let deadline: ContinuousClock.Instant

    init(deadline: ContinuousClock.Instant) { self.deadline = deadline }

    func transport(caFile: String?) throws -> DeadlineTransport {
        try lock.withLock {
            let key = caFile ?? ""
            if let existing = live[key] { return DeadlineTransport(base: existing, deadline: deadline) }
            let created = try LiveHTTPTransport(caFile: caFile)
            live[key] = created
            return DeadlineTransport(base: created, deadline: deadline)
        }
    }

    func shutdown() async {
        for transport in lock.withLock({ Array(live.values) }) { await transport.shutdown() }
    }
}
