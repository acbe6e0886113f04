#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Exclusive hold on one consumer for the length of a rotation: `flock` on the sidecar file
/// `locks/<consumer>.lock`, never on a data file (a lock on a file that is then renamed over
/// protects nothing, and `fcntl` locks drop when any descriptor to the file closes).
///
/// The kernel drops the lock when the process dies, so a crashed run never leaves it held. The
/// holder's pid is written into the lock file for people looking for a stuck run.
public final class ConsumerLock: @unchecked Sendable {
    public let consumer: String
    public let path: String
    private let mutex = NSLock()
    private var descriptor: Int32

    private init(consumer: String, path: String, descriptor: Int32) {
        self.consumer = consumer
        self.path = path
        self.descriptor = descriptor
    }

    /// How long `acquire(wait: true)` waits by default: longer than a rotation takes, short enough
    /// that a stuck holder is reported instead of hanging the caller.
    public static let defaultWait = Duration.seconds(60)

    /// Takes the lock of `consumer`. With `wait: false` a held lock fails at once with
    /// `ConsumerBusyError` (exit 75); with `wait: true` it blocks the calling thread until free, at
    /// most `deadline`, then fails the same way.
    public static func acquire(_ state: StateDirectory, consumer: String, wait: Bool,
                               deadline: Duration = defaultWait) throws -> ConsumerLock {
        try SafeName.validate(consumer, what: "consumer")
        let path = state.lockPath(consumer: consumer)
        let fd = try state.files().openLockFile(path)
        let until = ContinuousClock.now + (wait ? deadline : .zero)
        try Flock.lock(fd, LOCK_EX, path: path, until: until) { ConsumerBusyError(consumer: consumer) }
        let note = Array("pid \(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 {
            _ = note.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
        return ConsumerLock(consumer: consumer, path: path, descriptor: fd)
    }

    /// Whether this object still holds the lock.
    public var isHeld: Bool {
        mutex.lock()
        defer { mutex.unlock() }
        return descriptor >= 0
    }

    /// Releases the lock; calling it again does nothing. The lock file stays (removing it would let
    /// a waiter lock a file that a newcomer then replaces).
    public func release() {
        mutex.lock()
        defer { mutex.unlock() }
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit {
        if descriptor >= 0 {
            flock(descriptor, LOCK_UN)
            close(descriptor)
        }
    }
}

/// Another process holds the consumer's lock. Exit status 75.
public struct ConsumerBusyError: RekeyError, Equatable {
    public let consumer: String
    public var exitStatus: ExitStatus { .busy }
    public var description: String {
        "another rekey process is rotating \(consumer); wait for it or check for a stuck run"
    }
}

/// The lock on one target file, whatever consumer names it: two playbooks that point at the same
/// env file must not rotate it at the same time, whatever path (or trusted symlink) each one uses.
/// `locks/.target-<sha256 of "dev:inode/name">.lock`, where `dev:inode` is the directory the file's
/// path walks to (`TrustedPath`, the same walk the run then uses) and `name` the file's name in it.
/// A path whose walk is refused is keyed on its text; the run refuses it right after anyway.
public enum TargetLock {
    public static func name(for file: String) -> String {
        var key = "path:" + file
        if let walk = try? TrustedPath.walk(file) {
            var info = stat()
            if fstat(walk.directory, &info) == 0 { key = "\(info.st_dev):\(info.st_ino)/\(walk.name)" }
            close(walk.directory)
        }
        return ".target-" + Digest.sha256Hex(Array(key.utf8)).prefix(24)
    }

    public static func acquire(_ state: StateDirectory, file: String) throws -> ConsumerLock {
        do {
            return try ConsumerLock.acquire(state, consumer: name(for: file), wait: false)
        } catch is ConsumerBusyError {
            throw TargetBusyError(file: file)
        }
    }
}

/// Another rekey process (for another consumer) is changing the same file. Exit status 75.
public struct TargetBusyError: RekeyError, Equatable {
    public let file: String
    public var exitStatus: ExitStatus { .busy }
    public var description: String {
        "another rekey process is changing \(file) (for another consumer that names the same file); wait for it"
    }
}
