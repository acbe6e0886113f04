/// An error that says whether trying the same thing again may succeed (a lost answer, a timeout,
/// a 5xx or 429) or never will (a refusal). `RetryPolicy` retries only the transient ones.
public protocol TransientError: Error {
    var isTransient: Bool { get }
}

extension GiteaError: TransientError {}
