import Foundation

/// The knobs of `rekey run --unattended` (README, "Unattended mode").
public struct UnattendedOptions: Sendable {
    /// Consumers handled at once.
    public var parallel = 4
    /// Rotate every consumer, due or not (stuck ones still skipped).
    public var force = false
    /// Self-heals (rotations of a consumer whose token was rejected while not due) per invocation.
    public var maxHeal = 3
    /// Upper bound of the random sleep before the first network call when something is due.
    public var jitterSeconds = 0
    /// The whole invocation's deadline: no exchange starts after it, and none outlives it.
    public var deadline: Duration = .seconds(600)
    /// Retries of a transient failure (a lost answer, 502, 503, 504), each after capped
    /// exponential backoff with full jitter.
    public var retries = 4

    public init() {}
}

/// Set once SIGTERM or SIGINT arrived: the invocation stops at the next safe point (no consumer
/// starts, sleeps end) and exits 75. A rotation in flight runs to its end, whose journal is
/// complete; a process killed harder leaves a journal `rekey recover` settles.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    public init() {}

    public func stop() { lock.withLock { stopped = true } }
    public var isStopped: Bool { lock.withLock { stopped } }

    /// Sleeps `duration`, or less when the flag is set meanwhile (checked every 50 ms).
    public func sleep(_ duration: Duration) async {
        let end = ContinuousClock.now + duration
        while !isStopped, ContinuousClock.now < end {
            try? await Task.sleep(for: min(.milliseconds(50), ContinuousClock.now.duration(to: end)))
        }
    }
}

/// A transport that refuses to start an exchange once the invocation's deadline has passed and
/// gives every exchange at most the time left, so no wait of an unattended run outlives `--deadline`.
public struct DeadlineTransport: HTTPTransport {
    public let base: any HTTPTransport
    public let deadline: ContinuousClock.Instant

    public init(base: any HTTPTransport, deadline: ContinuousClock.Instant) {
        self.base = base
        self.deadline = deadline
    }

    public func send(_ exchange: HTTPExchange, timeout: Duration) async throws(TransportFailure) -> HTTPAnswer {
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .milliseconds(10) else {
            throw TransportFailure(kind: .connect, detail: "the invocation's --deadline passed before this request was sent")
        }
        return try await base.send(exchange, timeout: min(timeout, left))
    }

    public func shutdown() async { await base.shutdown() }
}

extension RetryPolicy {
    /// The unattended retry policy: `retries` retries, capped exponential backoff with full
    /// jitter (a delay drawn from [0, cap)), sleeping through `stop` so a signal ends the wait.
    public static func unattended(retries: Int, stop: StopFlag, maxDelay: Duration = .seconds(30)) -> RetryPolicy {
        RetryPolicy(attempts: retries + 1, baseDelay: .seconds(1), maxDelay: maxDelay) { delay in
            // `delay` is the policy's capped exponential (times a factor in [0.5, 1)); scaling it by
            // a uniform draw makes the wait anything from 0 up to the cap.
            await stop.sleep(delay * Double.random(in: 0..<1))
        }
    }
}
