#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Which TOTP step each persona sent last, so that no code is ever sent twice in a row.
///
/// Gitea accepts a one-time code once (`ValidateAndConsumeTOTP`, since the 2026 replay fix) and
/// accepts the codes of the previous, current and next 30-second step. For every Basic-auth request
/// (retries included) the client claims a step here: the first of the current, next and previous
/// step that is later than the last one sent, else the first whose code differs from the last one
/// sent. Two steps always qualify, so nobody waits for the clock. The claim is held (the persona's
/// lock) until the exchange ends, so two processes on one host send their codes one after the other.
public protocol OTPStepLedger: Sendable {
    /// Claims a step for `persona`: `choose` gets the last step sent (nil when none is known) and
    /// returns the step to send, which is recorded before the request leaves. Waits for another
    /// holder at most until `deadline`.
    func claim(persona: String, deadline: ContinuousClock.Instant,
               choose: (UInt64?) throws(GiteaError) -> UInt64) async throws(GiteaError) -> OTPClaim
}

/// A held claim: release it once the exchange that sends the code is over.
public final class OTPClaim: @unchecked Sendable {
    public let step: UInt64
    private let lock = NSLock()
    private var onRelease: (() -> Void)?

    init(step: UInt64, onRelease: @escaping () -> Void) {
        self.step = step
        self.onRelease = onRelease
    }

    public func release() {
        lock.lock()
        let action = onRelease
        onRelease = nil
        lock.unlock()
        action?()
    }

    deinit { onRelease?() }
}

public enum OTPSteps {
    /// The step to send, given the clock's step and the last step sent (see `OTPStepLedger`).
    /// `code` computes a step's code; it is only called to compare with the last one.
    public static func choose(now: UInt64, last: UInt64?, code: (UInt64) throws(GiteaError) -> String) throws(GiteaError) -> UInt64 {
        let candidates = [now, now + 1, now &- 1]
        guard let last else { return now }
        if let later = candidates.first(where: { $0 > last }) { return later }
        let lastCode = try code(last)
        for candidate in candidates where try code(candidate) != lastCode { return candidate }
        return now  // unreachable: three distinct steps cannot all share the last step's code and differ from it
    }
}

/// The ledger for one process with no state directory (tests, `vault test` before `init`).
public final class InMemoryOTPSteps: OTPStepLedger, @unchecked Sendable {
    public static let shared = InMemoryOTPSteps()
    private let mutex = NSLock()
    private var last: [String: UInt64] = [:]
    private var held: Set<String> = []

    public init() {}

    /// Waits for another holder by suspending between short looks (the lock is held only to look),
    /// so no thread of the concurrency pool is blocked; gives up at `deadline`.
    public func claim(persona: String, deadline: ContinuousClock.Instant,
                      choose: (UInt64?) throws(GiteaError) -> UInt64) async throws(GiteaError) -> OTPClaim {
        while true {
            if let claim = try take(persona, choose: choose) { return claim }
            guard ContinuousClock.now < deadline else { throw OTPStepError.busy(persona) }
            try? await Task.sleep(for: Flock.retryInterval)
        }
    }

    private func take(_ persona: String, choose: (UInt64?) throws(GiteaError) -> UInt64) throws(GiteaError) -> OTPClaim? {
        mutex.lock()
        defer { mutex.unlock() }
        guard !held.contains(persona) else { return nil }
        let step = try choose(last[persona])
        last[persona] = step
        held.insert(persona)
        return OTPClaim(step: step) { [self] in
            mutex.lock()
            held.remove(persona)
            mutex.unlock()
        }
    }
}

/// The ledger in the state directory: `otp/<key>.step` holds the last step sent (a number, not a
/// secret) and `locks/.otp-<key>.lock` is the persona's lock, `<key>` being a digest of the user name.
/// An operator's run and a cron run on one host then never send the same code.
public struct FileOTPSteps: OTPStepLedger {
    public let state: StateDirectory

    public init(state: StateDirectory) { self.state = state }

    static func key(_ persona: String) -> String { String(Digest.sha256Hex(Array(persona.utf8)).prefix(24)) }

    /// Waits for another process's claim with `Flock`'s async wait: it suspends, never blocks a thread.
    public func claim(persona: String, deadline: ContinuousClock.Instant,
                      choose: (UInt64?) throws(GiteaError) -> UInt64) async throws(GiteaError) -> OTPClaim {
        let key = Self.key(persona)
        let lockPath = PathName.join(state.locksDirectory, ".otp-\(key).lock")
        let stepDirectory = PathName.join(state.root, "otp")
        let stepPath = PathName.join(stepDirectory, "\(key).step")
        let files: StateFiles
        let lockFD: Int32
        do {
            files = try state.files()
            try files.makeDirectory(stepDirectory)
            lockFD = try files.openLockFile(lockPath)
        } catch {
            throw OTPStepError.file(error as? FileError ?? FileError(path: state.root, operation: .open, errno: EIO))
        }
        do {
            try await Flock.lock(lockFD, LOCK_EX, path: lockPath, until: deadline) { OTPStepError.busy(persona) }
        } catch let error as GiteaError {
            throw error
        } catch let error as FileError {
            throw OTPStepError.file(error)
        } catch {
            throw OTPStepError.busy(persona)  // cancelled while waiting
        }
        let unlock = { flock(lockFD, LOCK_UN); close(lockFD); return () }
        do throws(GiteaError) {
            let step = try choose(Self.read(stepPath))
            try Self.write(step, to: stepPath, files: files)
            return OTPClaim(step: step, onRelease: unlock)
        } catch {
            unlock()
            throw error
        }
    }

    /// The recorded step; a missing or garbled file counts as none (the server's refusal, retried
    /// once with another step, covers the rest).
    static func read(_ path: String) -> UInt64? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = Glibc.read(fd, &buffer, buffer.count)
        guard count > 0 else { return nil }
        return UInt64(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Written in place under the lock and fsynced, before the code leaves: a crash right after
    /// sending still leaves the step recorded.
    static func write(_ step: UInt64, to path: String, files: StateFiles) throws(GiteaError) {
        let fd: Int32
        do throws(FileError) {
            fd = try files.open(path, flags: O_WRONLY | O_CREAT)
        } catch {
            throw OTPStepError.file(error)
        }
        defer { close(fd) }
        let text = Array("\(step)\n".utf8)
        let written = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == text.count, ftruncate(fd, off_t(text.count)) == 0, fsync(fd) == 0 else {
            throw OTPStepError.file(FileError(path: path, operation: .write, errno: errno))
        }
    }
}

/// Why no step could be claimed; surfaces as a `GiteaError` of the call that needed the code.
enum OTPStepError {
    static func busy(_ persona: String) -> GiteaError {
        GiteaError(call: "the one-time code of \(persona)", server: "",
                   failure: .local("another rekey process kept the one-time-code lock of \(persona) past the deadline; try again", exit: .busy))
    }

    static func file(_ error: FileError) -> GiteaError {
        GiteaError(call: "the one-time code", server: "", failure: .local(error.description, exit: .cantCreate))
    }
}
