import Foundation

extension Recovery.Outcome {
    /// Whether recover finished the run's rotation (rather than undoing it).
    public var finishedRotation: Bool {
        actions.contains { if case .finished = $0 { true } else { false } }
    }
}

extension StatusBook {
    /// Folds what `rekey recover` did into the status records: a finished rotation counts as a
    /// verified rotation (so it is not due again at once). Never fails recover.
    public func record(_ outcomes: [Recovery.Outcome], now: Date = Date()) {
        for outcome in outcomes where outcome.finishedRotation {
            // Under the consumer's lock like every writer; a consumer busy again has a newer run,
            // which keeps the record itself.
            guard let lock = try? ConsumerLock.acquire(state, consumer: outcome.consumer, wait: false) else { continue }
            update(outcome.consumer) { $0.recordFinishedByRecover(run: outcome.run, at: Int(now.timeIntervalSince1970)) }
            lock.release()
        }
    }
}
