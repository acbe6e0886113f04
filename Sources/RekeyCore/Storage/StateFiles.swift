#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// rekey's state directory held through one descriptor: every write of rekey's own state (journals,
/// backups, the active-run markers, locks, the vault, key rotation's re-sealing) goes through it.
///
/// The root is opened once (`O_DIRECTORY | O_NOFOLLOW`) and checked: owned by root or by the user
/// rekey runs as, not writable by group or others. Below it, every directory is walked one
/// component at a time with `openat(O_NOFOLLOW | O_DIRECTORY)` and checked the same way, missing
/// ones are created with `mkdirat` (mode 0700) and fsynced into their parent, and files are created,
/// renamed and removed with `openat`/`renameat`/`unlinkat` relative to their directory's
/// descriptor. A symlink planted anywhere inside the state directory (`backups/<consumer>`,
/// `runs/active`, a vault entry) is therefore never followed: the write fails with a line naming
/// it, and nothing lands outside.
///
/// Callers keep naming files by the absolute paths `StateDirectory` builds; a path outside the
/// root is refused.
public final class StateFiles: @unchecked Sendable {
    public let root: String
    private let rootDescriptor: Int32

    /// Opens and checks the root. Prefer `StateDirectory.files()`, which does this once per value.
    init(root: String) throws(FileError) {
        #if canImport(Glibc)
        let fd = Glibc.open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        #else
        let fd = Darwin.open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        #endif
        guard fd >= 0 else {
            let code = errno
            throw FileError(path: root, operation: .open, errno: code,
                            hint: code == ELOOP || code == ENOTDIR ? "the state directory must be a real directory, not a symlink" : nil)
        }
        do throws(FileError) {
            try Self.checkTrusted(fd, path: root)
        } catch {
            close(fd)
            throw error
        }
        self.root = root
        self.rootDescriptor = fd
    }

    deinit { close(rootDescriptor) }

    // MARK: - Writes

    /// Atomically replaces (or creates, with `newFileMode`) the state file at `path`.
    public func replace(_ path: String, with bytes: [UInt8], newFileMode: mode_t = 0o600) throws(FileError) {
        try inDirectory(of: path) { (directory, name) throws(FileError) in
            try bytes.withUnsafeBytes { buffer in
                Result { () throws(FileError) in
                    try AtomicFile.replace(in: directory, name: name, path: path, buffer: buffer, newFileMode: newFileMode)
                }
            }.get()
        }
    }

    /// Creates the new state file `path` with exactly `mode`; `EEXIST` if anything is there.
    public func createExclusive(_ path: String, bytes: [UInt8], mode: mode_t = 0o600) throws(FileError) {
        try inDirectory(of: path) { (directory, name) throws(FileError) in
            try bytes.withUnsafeBytes { buffer in
                Result { () throws(FileError) in
                    try AtomicFile.createExclusive(in: directory, name: name, path: path, buffer: buffer, mode: mode)
                }
            }.get()
        }
    }

    /// Removes the state file `path` and fsyncs its directory.
    public func remove(_ path: String) throws(FileError) {
        try inDirectory(of: path, create: false) { (directory, name) throws(FileError) in
            guard unlinkat(directory, name, 0) == 0 else { throw FileError(path: path, operation: .remove, errno: errno) }
            guard fsync(directory) == 0 else { throw FileError(path: path, operation: .syncDirectory, errno: errno) }
        }
    }

    /// Opens (creating, mode 0600) the lock file `path` for `flock`, never through a symlink.
    func openLockFile(_ path: String) throws(FileError) -> Int32 {
        try open(path, flags: O_RDWR | O_CREAT)
    }

    /// Opens the state file `path` with `flags` (`O_NOFOLLOW | O_CLOEXEC` added), creating missing
    /// directories on the way.
    func open(_ path: String, flags: Int32, mode: mode_t = 0o600) throws(FileError) -> Int32 {
        try inDirectory(of: path) { (directory, name) throws(FileError) in
            let fd = openat(directory, name, flags | O_CLOEXEC | O_NOFOLLOW, mode)
            guard fd >= 0 else { throw FileError(path: path, operation: flags & O_CREAT != 0 ? .create : .open, errno: errno) }
            return fd
        }
    }

    /// Opens the append-only file `path` (a journal), creating it with mode 0600; a newly created
    /// file's name is fsynced into its directory before this returns.
    func openForAppend(_ path: String) throws(FileError) -> Int32 {
        try inDirectory(of: path) { (directory, name) throws(FileError) in
            var fd = openat(directory, name, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW)
            if fd >= 0 { return fd }
            guard errno == ENOENT else { throw FileError(path: path, operation: .open, errno: errno) }
            fd = openat(directory, name, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else { throw FileError(path: path, operation: .create, errno: errno) }
            FsyncCounter.count()
            guard fsync(directory) == 0 else {
                close(fd)
                throw FileError(path: path, operation: .syncDirectory, errno: errno)
            }
            return fd
        }
    }

    /// Cuts the state file `path` to `length` bytes (a journal's torn last frame).
    func truncate(_ path: String, to length: Int) throws(FileError) {
        try inDirectory(of: path, create: false) { (directory, name) throws(FileError) in
            let fd = openat(directory, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { throw FileError(path: path, operation: .open, errno: errno) }
            defer { close(fd) }
            guard ftruncate(fd, off_t(length)) == 0 else { throw FileError(path: path, operation: .write, errno: errno) }
        }
    }

    /// Creates the state directory `path` (and missing parents inside the root), or checks it.
    public func makeDirectory(_ path: String) throws(FileError) {
        let fd = try openDirectory(components(of: path, isDirectory: true), path: path, create: true)
        close(fd)
    }

    // MARK: - Walking

    /// Runs `body` with a descriptor of the directory holding `path` and the file's name in it.
    private func inDirectory<T>(of path: String, create: Bool = true,
                                _ body: (Int32, String) throws(FileError) -> T) throws(FileError) -> T {
        var parts = try components(of: path, isDirectory: false)
        let name = parts.removeLast()
        let directory = try openDirectory(parts, path: PathName.directory(of: path), create: create)
        defer { close(directory) }
        return try body(directory, name)
    }

    /// The components of `path` below the root; refuses a path outside it or one with `.`/`..`.
    private func components(of path: String, isDirectory: Bool) throws(FileError) -> [String] {
        let prefix = root.hasSuffix("/") ? root : root + "/"
        let rest: Substring
        if path == root, isDirectory {
            rest = ""
        } else if path.hasPrefix(prefix) {
            rest = path.dropFirst(prefix.count)
        } else {
            throw FileError(path: path, operation: .open, errno: EXDEV, hint: "it is not inside the state directory \(root)")
        }
        let parts = rest.split(separator: "/").map(String.init)
        guard !parts.contains(where: { $0 == "." || $0 == ".." }), isDirectory || !parts.isEmpty else {
            throw FileError(path: path, operation: .open, errno: EINVAL, hint: "it is not a plain path inside the state directory \(root)")
        }
        return parts
    }

    /// Walks `parts` from the root, `O_NOFOLLOW | O_DIRECTORY` at each step, creating what is missing
    /// when `create`; returns a descriptor of the last directory (the caller closes it).
    private func openDirectory(_ parts: [String], path: String, create: Bool) throws(FileError) -> Int32 {
        var current = dup(rootDescriptor)
        guard current >= 0 else { throw FileError(path: root, operation: .open, errno: errno) }
        var walked = root
        for part in parts {
            walked = PathName.join(walked, part)
            var next = openat(current, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0, errno == ENOENT, create {
                if mkdirat(current, part, 0o700) != 0, errno != EEXIST {
                    let code = errno
                    close(current)
                    throw FileError(path: walked, operation: .createDirectory, errno: code)
                }
                next = openat(current, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if next >= 0 {
                    // mkdirat's mode went through the umask: set it exactly, then make the new name durable.
                    fchmod(next, 0o700)
                    FsyncCounter.count()
                    fsync(current)
                }
            }
            if next < 0 {
                let code = errno
                close(current)
                throw FileError(path: walked, operation: .open, errno: code,
                                hint: code == ELOOP || code == ENOTDIR
                                    ? "it is a symlink or not a directory; nothing in the state directory may be, remove it" : nil)
            }
            close(current)
            current = next
            do throws(FileError) {
                try Self.checkTrusted(current, path: walked)
            } catch {
                close(current)
                throw error
            }
        }
        return current
    }

    /// A state directory (or one inside it) must be owned by root or the running user and not be
    /// writable by group or others.
    static func checkTrusted(_ fd: Int32, path: String) throws(FileError) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError(path: path, operation: .stat, errno: errno) }
        let euid = geteuid()
        guard info.st_uid == 0 || info.st_uid == euid else {
            throw FileError(path: path, operation: .open, errno: EPERM,
                            hint: "it is owned by uid \(info.st_uid), not by root or uid \(euid) running rekey; run chown \(euid) \(path)")
        }
        guard info.st_mode & 0o022 == 0 else {
            throw FileError(path: path, operation: .open, errno: EPERM,
                            hint: "it is writable by group or others (mode \(octal(info.st_mode & 0o7777))); run chmod 700 \(path)")
        }
    }
}

/// Holds the `StateFiles` of one `StateDirectory` value, opened on first use.
final class StateFilesBox: @unchecked Sendable {
    private let mutex = NSLock()
    private var files: StateFiles?

    func get(_ open: () throws -> StateFiles) throws -> StateFiles {
        mutex.lock()
        defer { mutex.unlock() }
        if let files { return files }
        let opened = try open()
        files = opened
        return opened
    }
}

/// Counts the fsyncs of rekey's own writes (printed by `REKEY_TRACE_PHASES=1`; docs/performance.md).
enum FsyncCounter {
    private static let value = Atomic<Int>(0)
    static func count() { value.wrappingAdd(1, ordering: .relaxed) }
    static var total: Int { value.load(ordering: .relaxed) }
}
