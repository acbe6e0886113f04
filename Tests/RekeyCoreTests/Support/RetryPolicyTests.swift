import Foundation
import Testing
import RekeyCore

@Suite("RetryPolicy, generic over transient errors")
struct RetryPolicyTests {
    struct Flaky: TransientError, Equatable {
        var isTransient: Bool
    }

    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Duration] = []
        func add(_ value: Duration) { lock.lock(); values.append(value); lock.unlock() }
        var delays: [Duration] { lock.lock(); defer { lock.unlock() }; return values }
    }

    @Test("transient failures are retried up to the attempt limit, with capped backoff and no real sleep")
    func retriesTransient() async throws {
        let recorder = Recorder()
        let policy = RetryPolicy(attempts: 3, baseDelay: .milliseconds(100), maxDelay: .milliseconds(150)) { recorder.add($0) }
        var calls = 0
        await #expect(throws: Flaky(isTransient: true)) {
            try await policy.run { () async throws(Flaky) -> Int in
                calls += 1
                throw Flaky(isTransient: true)
            }
        }
        #expect(calls == 3)
        #expect(recorder.delays.count == 2)
        #expect(recorder.delays.allSatisfy { $0 >= .milliseconds(50) && $0 <= .milliseconds(150) })
    }

    @Test("a failure that is not transient is thrown at once; a success after a transient one is returned")
    func stopsOnPermanent() async throws {
        let policy = RetryPolicy(attempts: 5) { _ in }
        var calls = 0
        await #expect(throws: Flaky(isTransient: false)) {
            try await policy.run { () async throws(Flaky) -> Int in
                calls += 1
                throw Flaky(isTransient: false)
            }
        }
        #expect(calls == 1)
        var attempts = 0
        let value = try await policy.run { () async throws(Flaky) -> Int in
            attempts += 1
            if attempts == 1 { throw Flaky(isTransient: true) }
            return 42
        }
        #expect(value == 42 && attempts == 2)
    }
}
