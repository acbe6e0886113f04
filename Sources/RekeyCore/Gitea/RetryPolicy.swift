/// Capped, jittered exponential backoff for transient failures of idempotent calls.
/// The sleep is injected so tests observe the delays without sleeping.
public struct RetryPolicy: Sendable {
    public var attempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    public var sleep: @Sendable (Duration) async -> Void

    public init(attempts: Int = 3, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(2),
                sleep: @escaping @Sendable (Duration) async -> Void = { try? await ContinuousClock().sleep(for: $0) }) {
        self.attempts = max(1, attempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.sleep = sleep
    }

    /// No retries at all: for calls that must not be repeated blindly.
    public static var once: RetryPolicy { RetryPolicy(attempts: 1) }

    /// The delay before attempt `n + 1` (n counts from 1): full jitter over a capped exponential.
    public func delay(afterAttempt n: Int) -> Duration {
        let exponential = baseDelay * (1 << min(n - 1, 16))
        let capped = min(exponential, maxDelay)
        let fraction = Double.random(in: 0.5...1.0)
        return capped * fraction
    }

    /// Runs `body`, retrying while the failure says it is transient (`TransientError`).
    public func run<T, Failure: TransientError>(_ body: () async throws(Failure) -> T) async throws(Failure) -> T {
        try await run(shouldRetry: \.isTransient, body)
    }

    /// Runs `body`, retrying while `shouldRetry` says the failure is transient.
    public func run<T, Failure: Error>(
        shouldRetry: (Failure) -> Bool,
        _ body: () async throws(Failure) -> T
    ) async throws(Failure) -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch {
                guard attempt < attempts, shouldRetry(error) else { throw error }
                await sleep(delay(afterAttempt: attempt))
                attempt += 1
            }
        }
    }
}
