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
}
