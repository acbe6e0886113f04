import Dispatch
import Testing
import TestSupport
@testable import RekeyCore

@Suite("ConsumerLock")
struct LockTests {
    let dir = TempDirectory("rekey-lock")

    func state() throws -> StateDirectory {
        let state = StateDirectory(root: dir.file("state"))
        try state.prepare()
        return state
    }

    @Test func aSecondRotationOfTheSameConsumerIsRefusedAsBusy() throws {
        let state = try state()
        let first = try ConsumerLock.acquire(state, consumer: "drone", wait: false)
        #expect(first.path == state.lockPath(consumer: "drone"))
        #expect(Disk.exists(state.lockPath(consumer: "drone")))

        let error = #expect(throws: ConsumerBusyError.self) {
            try ConsumerLock.acquire(state, consumer: "drone", wait: false)
        }
        #expect(error?.exitStatus == .busy)
        #expect(error?.description == "another rekey process is rotating drone; wait for it or check for a stuck run")

        // Another consumer is independent.
        let other = try ConsumerLock.acquire(state, consumer: "woodpecker", wait: false)
        other.release()

        first.release()
        #expect(!first.isHeld)
        first.release()  // twice is harmless
        let again = try ConsumerLock.acquire(state, consumer: "drone", wait: false)
        #expect(again.isHeld)
    }

    @Test func droppingTheLockReleasesIt() throws {
        let state = try state()
        do {
            let held = try ConsumerLock.acquire(state, consumer: "drone", wait: false)
            #expect(held.isHeld)
        }
        let again = try ConsumerLock.acquire(state, consumer: "drone", wait: false)
        #expect(again.isHeld)
    }

    @Test func waitingAcquiresOnceTheHolderReleases() async throws {
        let state = try state()
        let first = try ConsumerLock.acquire(state, consumer: "drone", wait: false)
        let waiter = Task.detached { () throws -> Bool in
            let lock = try ConsumerLock.acquire(state, consumer: "drone", wait: true)
            defer { lock.release() }
            return lock.isHeld
        }
        first.release()
        #expect(try await waiter.value)
    }

    @Test("waiting for a lock that stays held gives up at the deadline with exit 75, not hanging")
    func waitingHasADeadline() async throws {
        let state = try state()
        let holder = try ConsumerLock.acquire(state, consumer: "drone", wait: false)
        defer { holder.release() }
        let started = ContinuousClock.now
        let error = #expect(throws: ConsumerBusyError.self) {
            try ConsumerLock.acquire(state, consumer: "drone", wait: true, deadline: .milliseconds(200))
        }
        #expect(error?.exitStatus == .busy)
        #expect(ContinuousClock.now - started < .seconds(5), "the wait did not stop at its deadline")
        #expect(holder.isHeld)
    }

    @Test func aConsumerNameThatIsAPathIsRefused() throws {
        let state = try state()
        let error = #expect(throws: SafeNameError.self) {
            try ConsumerLock.acquire(state, consumer: "../etc", wait: false)
        }
        #expect(error?.description == "consumer name '../etc' is not allowed; use 1 to 64 characters from A-Z a-z 0-9 . _ - (not only dots)")
    }
}
