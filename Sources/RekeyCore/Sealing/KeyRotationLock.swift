#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The state-wide lock between `rekey key rotate` and every other command that uses the master key:
/// `flock` on the sidecar file `locks/.key-rotate.lock` (never a data file; see `ConsumerLock`).
///
/// - Every command that loads the key calls `enterKeyUse` first: it takes the lock *shared*, keeps
///   it until the process exits (the kernel drops it then, also after a crash), and refuses while a
///   rotation runs (the lock is held exclusively) or is unfinished (`<key>.next` exists).
/// - `rekey key rotate` takes it *exclusively* and without waiting, so it never re-seals a vault
///   entry, backup or journal that a running command is about to write with the old key.
///
/// Both sides fail at once instead of waiting (exit 75): a rotation is short, and a cron job that
/// meets one is better off saying so than hanging.
public enum KeyRotationLock {
    public static let fileName = ".key-rotate.lock"

    public static func path(state: StateDirectory) -> String { PathName.join(state.locksDirectory, fileName) }

    /// Called before a command other than `key rotate` loads the master key. `keyPath` is the key
    /// file it will load (nil for a key from `$CREDENTIALS_DIRECTORY`, which has no `.next`).
    ///
    /// A state directory without a `locks` folder (not initialised yet) has nothing to protect, and
    /// a lock file this user cannot create (a read-only look at someone else's state) is skipped:
    /// such a process cannot write blobs either.
    public static func enterKeyUse(state: StateDirectory, keyPath: String?) throws {
        held.keep(try KeyUse(state: state, keyPath: keyPath))
    }

    /// The shared lock `enterKeyUse` takes, held by this object until `release()` or its end (for a
    /// caller that uses the key for less than the whole process: a library user, a test).
    public final class KeyUse: @unchecked Sendable {
        private let mutex = NSLock()
        private var descriptor: Int32

        /// Takes the lock shared, with the same checks and refusals as `enterKeyUse`.
        public init(state: StateDirectory, keyPath: String?) throws {
            descriptor = try KeyRotationLock.enter(state: state, keyPath: keyPath)
        }

        /// Drops the lock; calling it again does nothing.
        public func release() {
            mutex.lock()
            defer { mutex.unlock() }
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
        }

        deinit { if descriptor >= 0 { close(descriptor) } }
    }

    /// Takes the shared lock; returns its descriptor (-1 when there is nothing to lock).
    private static func enter(state: StateDirectory, keyPath: String?) throws -> Int32 {
        let path = path(state: state)
        var fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if fd < 0 && (errno == EACCES || errno == EROFS) { fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        if fd >= 0 {
            try Flock.lock(fd, LOCK_SH | LOCK_NB, path: path) { KeyRotationError(path: state.root, reason: .rotationRunning) }
        } else if ![ENOENT, EACCES, EROFS].contains(errno) {
            throw FileError(path: path, operation: .lock, errno: errno)
        }
        // Checked under the lock: a rotation creates `<key>.next` only while holding it exclusively.
        if let keyPath {
            let next = KeyRotation.nextKeyPath(for: keyPath)
            var info = stat()
            if lstat(next, &info) == 0 {
                if fd >= 0 { close(fd) }
                throw KeyRotationError(path: keyPath, reason: .unfinished(nextKeyPath: next))
            }
        }
        return fd
    }

    /// Takes the lock exclusively for a rotation, or fails with `stateBusy` (exit 75).
    static func acquireExclusive(state: StateDirectory) throws -> Int32 {
        let path = path(state: state)
        let fd = try state.files().openLockFile(path)
        try Flock.lock(fd, LOCK_EX | LOCK_NB, path: path) { KeyRotationError(path: state.root, reason: .stateBusy) }
        return fd
    }

    static func release(_ fd: Int32) {
        flock(fd, LOCK_UN)
        close(fd)
    }

    private static let held = HeldDescriptors()
}

/// Key-use locks kept for the life of the process.
private final class HeldDescriptors: @unchecked Sendable {
    private let mutex = NSLock()
    private var uses: [KeyRotationLock.KeyUse] = []

    func keep(_ use: KeyRotationLock.KeyUse) {
        mutex.lock()
        defer { mutex.unlock() }
        uses.append(use)
    }
}
