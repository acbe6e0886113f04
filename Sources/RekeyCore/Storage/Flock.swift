#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one `flock` loop behind every lock rekey takes (`ConsumerLock`, `TargetLock`,
/// `KeyRotationLock`): sidecar lock files only, `EINTR` retried, a held lock reported as busy.
enum Flock {
    /// Opens (creating, mode 0600, never through a symlink) the lock file at `path`.
    static func open(_ path: String) throws(FileError) -> Int32 {
        #if canImport(Glibc)
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        #else
        let fd = Darwin.open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        #endif
        guard fd >= 0 else { throw FileError(path: path, operation: .create, errno: errno) }
        return fd
    }

    /// Takes `flock(fd, operation)`. On failure `fd` is closed and `busy()` is thrown when another
    /// process holds the lock (`LOCK_NB`), a `FileError` otherwise.
    static func lock(_ fd: Int32, _ operation: Int32, path: String, busy: () -> any Error) throws {
        while flock(fd, operation) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(fd)
            if code == EWOULDBLOCK { throw busy() }
            throw FileError(path: path, operation: .lock, errno: code)
        }
    }

    /// One non-blocking attempt at `flock(fd, operation | LOCK_NB)`: true when taken, false when
    /// another holder has it. Any other failure throws (`fd` stays open: the caller closes it).
    static func attempt(_ fd: Int32, _ operation: Int32, path: String) throws(FileError) -> Bool {
        while flock(fd, operation | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            if code == EWOULDBLOCK { return false }
            throw FileError(path: path, operation: .lock, errno: code)
        }
        return true
    }

    /// How often a waiting lock tries again.
    static let retryInterval = Duration.milliseconds(20)

    /// Takes `operation` on `fd`, trying again until `deadline`; then `busy()` is thrown. Blocks the
    /// calling thread (for synchronous callers outside Swift concurrency). On failure `fd` is closed.
    static func lock(_ fd: Int32, _ operation: Int32, path: String, until deadline: ContinuousClock.Instant,
                     busy: () -> any Error) throws {
        do {
            while try !attempt(fd, operation, path: path) {
                guard ContinuousClock.now < deadline else { throw busy() }
                usleep(UInt32(retryInterval.components.attoseconds / 1_000_000_000_000))
            }
        } catch {
            close(fd)
            throw error
        }
    }

    /// The same wait for async callers: suspends between attempts and never blocks a thread.
    /// On failure `fd` is closed.
    static func lock(_ fd: Int32, _ operation: Int32, path: String, until deadline: ContinuousClock.Instant,
                     busy: () -> any Error) async throws {
        do {
            while try !attempt(fd, operation, path: path) {
                guard ContinuousClock.now < deadline else { throw busy() }
                try await Task.sleep(for: retryInterval)
            }
        } catch {
            close(fd)
            throw error
        }
    }
}
