#if canImport(Glibc)
import Glibc
import CLinux
#endif

/// A consumer's env file, held through a descriptor of its directory: the one way rekey reads,
/// replaces and restores a file that lives in a directory other users may control.
///
/// `open` walks the path one component at a time (`TrustedPath`), so no path is ever resolved
/// twice. From then on every access is relative to the directory descriptor:
/// - reads open the name `O_NOFOLLOW | O_NONBLOCK` and check that it is still the same inode;
/// - a replace creates `.<name>.rekey-tmp.<hex>` with `O_CREAT | O_EXCL | O_NOFOLLOW`, copies owner,
///   mode, the POSIX ACL and every `security.*` attribute, fsyncs it, checks `(st_dev, st_ino)` of
///   the name with `fstatat(AT_SYMLINK_NOFOLLOW)` right before `renameat`, and fsyncs the directory
///   through the same descriptor.
///
/// A symlink swapped in at any moment is never followed: a read refuses it (the file changed) and
/// a rename replaces the link itself, in the directory the attacker already controls.
public final class TargetFile: @unchecked Sendable {
    /// The largest env file rekey reads or writes.
    public static let maximumSize = 1 << 20

    /// The path as the playbook gives it (used in every message).
    public let path: String
    /// The directory that really holds the file, after any trusted symlinks.
    public let directoryPath: String
    /// The file's name inside that directory.
    public let name: String
    /// A warning people should see (a world-readable file), or nil.
    public let warning: String?
    private let directory: Int32
    /// `(st_dev, st_ino)` of the file rekey last read or wrote; nil when the file does not exist.
    private var identity: Identity?
    /// Whether a rename of rekey's has replaced the file since it was opened.
    public private(set) var hasReplaced = false

    struct Identity: Equatable {
        var device: UInt64
        var inode: UInt64
        init(_ info: stat) { device = UInt64(info.st_dev); inode = UInt64(info.st_ino) }
    }

    /// Opens the env file at `path`, refusing what is unsafe to rotate (exit 65, nothing changed):
    /// untrusted symlinks or directories on the way, a target that is not a regular file, larger
    /// than 1 MiB, world-writable or hard-linked. With `allowMissing`, a file that does not exist
    /// gives a handle that can create it (recovery of a file someone removed).
    public static func open(_ path: String, allowMissing: Bool = false) throws(UnsafeEnvFile) -> TargetFile {
        let walk = try TrustedPath.walk(path)
        var info = stat()
        guard fstatat(walk.directory, walk.name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            let code = errno
            if code == ENOENT, allowMissing {
                return TargetFile(path: path, walk: walk, identity: nil, warning: nil)
            }
            close(walk.directory)
            throw UnsafeEnvFile(path: path, problem: TrustedPath.reason(code))
        }
        do throws(UnsafeEnvFile) {
            try checkSafe(info, path: path)
        } catch {
            close(walk.directory)
            throw error
        }
        let warning = info.st_mode & 0o004 != 0
            ? "\(path) is readable by every user of the host (mode \(octal(info.st_mode & 0o7777))): so is the new token; chmod o-r it"
            : nil
        return TargetFile(path: path, walk: walk, identity: Identity(info), warning: warning)
    }

    private init(path: String, walk: TrustedPath.Walk, identity: Identity?, warning: String?) {
        self.path = path
        self.directoryPath = walk.directoryPath
        self.name = walk.name
        self.directory = walk.directory
        self.identity = identity
        self.warning = warning
    }

    deinit { close(directory) }

    /// Whether the file existed when opened (or was created by a replace since).
    public var exists: Bool { identity != nil }

    /// The refusals that hold for the target at every access.
    static func checkSafe(_ info: stat, path: String) throws(UnsafeEnvFile) {
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            throw UnsafeEnvFile(path: path, problem: "it is \(describe(type)), not a regular file",
                                remedy: "point target.file at the env file itself")
        }
        guard Int(info.st_size) <= maximumSize else {
            throw UnsafeEnvFile(path: path, problem: "it is \(info.st_size) bytes, more than the 1 MiB an env file may have",
                                remedy: "check target.file")
        }
        guard info.st_mode & 0o002 == 0 else {
            throw UnsafeEnvFile(path: path, problem: "it is writable by every user (mode \(octal(info.st_mode & 0o7777)))",
                                remedy: "chmod o-w it, then run again")
        }
        guard info.st_nlink <= 1 else {
            throw UnsafeEnvFile(path: path, problem: "inode \(info.st_ino) has \(info.st_nlink) hard links; a rotation would leave the old token in the others",
                                remedy: "remove the other links (find / -xdev -inum \(info.st_ino)), then run again")
        }
    }

    // MARK: - Reading

    /// The file's bytes, read through the directory descriptor. Throws `EnvFileChanged` when the
    /// name no longer holds the file rekey opened (a swapped symlink included).
    public func read() throws -> SecretBytes {
        guard let identity else { throw EnvFileUnreadable(path: path, reason: TrustedPath.reason(ENOENT)) }
        let fd = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP || code == ENOENT || code == ENXIO { throw EnvFileChanged(path: path) }
            throw EnvFileUnreadable(path: path, reason: TrustedPath.reason(code))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw EnvFileUnreadable(path: path, reason: TrustedPath.reason(errno)) }
        // A freed inode number is reused at once: a file of another type is a change whatever its number.
        guard info.st_mode & S_IFMT == S_IFREG, Identity(info) == identity else { throw EnvFileChanged(path: path) }
        try Self.checkSafe(info, path: path)
        // One byte more than fstat's size tells a file that grew while being read: someone is writing it.
        let buffer = SecretBytes(count: Int(info.st_size) + 1)
        let filled = try buffer.withUnsafeMutableBytes { (raw) throws(FileError) in
            try AtomicFile.readFully(fd, into: raw, path: path)
        }
        guard filled < buffer.count else { throw EnvFileChanged(path: path) }
        return buffer.slice(0..<filled)
    }

    // MARK: - Writing

    /// Proves that the directory takes a temp file: creates one and unlinks it. Validate calls it
    /// before anything is minted.
    public func proveWritable() throws(EnvFileUnwritable) {
        let (fd, temp) = try createTemp()
        close(fd)
        unlinkat(directory, temp, 0)
    }

    /// Atomically replaces the file with `bytes` (see the type's description). `newFileMode` is
    /// the mode of a file that did not exist.
    public func replace(with bytes: SecretBytes, newFileMode: mode_t = 0o600) throws {
        let (fd, temp) = try createTemp()
        var newIdentity: Identity
        do {
            try bytes.withUnsafeBytes { (buffer) throws(FileError) in try AtomicFile.writeAll(fd, buffer, path: path) }
            let current = try currentStat()
            if let current {
                try AtomicFile.copyOwner(of: current, to: fd, target: path)
                guard fchmod(fd, current.st_mode & 0o7777) == 0 else { throw FileError(path: path, operation: .setMode, errno: errno) }
                try copyAttributes(to: fd)
            } else {
                guard fchmod(fd, newFileMode) == 0 else { throw FileError(path: path, operation: .setMode, errno: errno) }
            }
            FsyncCounter.count()
            guard fsync(fd) == 0 else { throw FileError(path: path, operation: .sync, errno: errno) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw FileError(path: path, operation: .stat, errno: errno) }
            newIdentity = Identity(info)
        } catch {
            close(fd)
            unlinkat(directory, temp, 0)
            throw Self.asEnvFileError(error, path: path)
        }
        guard close(fd) == 0 else {
            let code = errno
            unlinkat(directory, temp, 0)
            throw EnvFileUnwritable(path: path, reason: TrustedPath.reason(code))
        }

        CrashPoint.reach("atomic-after-temp-write", file: path)

        // The last moment to notice a swap: the name must still be the file rekey read, and the
        // temp name still the file rekey wrote (its directory may belong to someone else).
        do {
            _ = try currentStat()
            var info = stat()
            guard fstatat(directory, temp, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFREG,
                  Identity(info) == newIdentity else { throw EnvFileChanged(path: path) }
        } catch {
            unlinkat(directory, temp, 0)
            throw error
        }
        guard renameat(directory, temp, directory, name) == 0 else {
            let code = errno
            unlinkat(directory, temp, 0)
            if code == EROFS { throw ReadOnlyFileSystem.envFile(path, directory: directoryPath) }
            throw EnvFileUnwritable(path: path, reason: TrustedPath.reason(code))
        }
        hasReplaced = true
        // And once more after it: the name must now be exactly the file rekey wrote. Anything else
        // means the temp name was swapped between the check and the rename.
        var installed = stat()
        guard fstatat(directory, name, &installed, AT_SYMLINK_NOFOLLOW) == 0, Identity(installed) == newIdentity else {
            throw EnvFileChanged(path: path)
        }
        identity = newIdentity

        CrashPoint.reach("atomic-after-rename", file: path)

        FsyncCounter.count()
        guard fsync(directory) == 0 else {
            throw EnvFileUnwritable(path: path, reason: "fsync of \(directoryPath): " + TrustedPath.reason(errno),
                                    remedy: "the new file is in place, but a crash now could bring the old one back")
        }
    }

    /// Removes leftover temp files of this target (`.<name>.rekey-tmp.<hex>`) from its directory;
    /// returns their paths.
    public func removeTempLeftovers() -> [String] {
        Self.removeTempLeftovers(in: directory, directoryPath: directoryPath, name: name)
    }

    /// The temp leftovers of the file at `path`, removed through its walked directory without
    /// opening the file itself (which may be refused); nothing when the walk is refused.
    static func removeTempLeftovers(besides path: String) -> [String] {
        guard let walk = try? TrustedPath.walk(path) else { return [] }
        defer { close(walk.directory) }
        return removeTempLeftovers(in: walk.directory, directoryPath: walk.directoryPath, name: walk.name)
    }

    private static func removeTempLeftovers(in directory: Int32, directoryPath: String, name: String) -> [String] {
        let copy = dup(directory)
        guard copy >= 0, let stream = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            return []
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if AtomicFile.isTempName(entryName, for: name) { names.append(entryName) }
        }
        var removed: [String] = []
        for entryName in names where unlinkat(directory, entryName, 0) == 0 {
            removed.append(PathName.join(directoryPath, entryName))
        }
        if !removed.isEmpty { fsync(directory) }
        return removed
    }

    /// The name's status now, checked against the file rekey knows: nil when rekey knows no file
    /// and there is none. Throws `EnvFileChanged` when the name holds anything else.
    private func currentStat() throws -> stat? {
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            let code = errno
            if code == ENOENT, identity == nil { return nil }
            if code == ENOENT { throw EnvFileChanged(path: path) }
            throw EnvFileUnreadable(path: path, reason: TrustedPath.reason(code))
        }
        guard info.st_mode & S_IFMT == S_IFREG, let identity, Identity(info) == identity else { throw EnvFileChanged(path: path) }
        try Self.checkSafe(info, path: path)
        return info
    }

    /// Creates `.<name>.rekey-tmp.<12 hex>` in the directory, mode 0600, retrying on a clash.
    private func createTemp() throws(EnvFileUnwritable) -> (Int32, String) {
        let base = String(name.prefix(200))
        var attempt = 0
        while true {
            let temp = ".\(base).rekey-tmp." + Sodium.randomBytes(6).map { hexDigits($0) }.joined()
            let fd = openat(directory, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 { return (fd, temp) }
            let code = errno
            attempt += 1
            if code == EROFS { throw ReadOnlyFileSystem.envFile(path, directory: directoryPath) }
            if code != EEXIST || attempt >= 4 {
                throw EnvFileUnwritable(
                    path: path,
                    reason: "its directory \(directoryPath) does not take a temp file (\(TrustedPath.reason(code)))",
                    remedy: "rekey writes the new file beside the old one: let this user create files in \(directoryPath)")
            }
        }
    }

    /// Copies `system.posix_acl_access` and every `security.*` attribute of the current file to
    /// `fd`, and drops an ACL the temp file inherited that the file does not have.
    private func copyAttributes(to fd: Int32) throws {
        let source = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard source >= 0 else { throw EnvFileChanged(path: path) }
        defer { close(source) }
        var info = stat()
        guard fstat(source, &info) == 0, Identity(info) == identity else { throw EnvFileChanged(path: path) }
        let names = try ExtendedAttributes.names(of: source, path: path).filter(Self.isCopied)
        for attribute in names {
            let value = try ExtendedAttributes.value(attribute, of: source, path: path)
            guard fsetxattr(fd, attribute, value, value.count, 0) == 0 else {
                throw EnvFileUnwritable(path: path, reason: "cannot copy its \(attribute) attribute to the new file: \(TrustedPath.reason(errno))",
                                        remedy: "nothing was changed; check the file system's xattr support")
            }
        }
        if !names.contains(ExtendedAttributes.accessACL) {
            fremovexattr(fd, ExtendedAttributes.accessACL)
        }
    }

    static func isCopied(_ attribute: String) -> Bool {
        attribute == ExtendedAttributes.accessACL || attribute.hasPrefix("security.")
    }

    private static func asEnvFileError(_ error: any Error, path: String) -> any Error {
        guard let error = error as? FileError else { return error }
        return EnvFileUnwritable(path: path, reason: error.description)
    }

    static func describe(_ type: mode_t) -> String {
        switch type {
        case S_IFIFO: "a fifo (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFDIR: "a directory"
        case S_IFLNK: "a symlink"
        default: "a special file"
        }
    }
}


/// The env file must not be rotated as it is (exit 65): what was found and what to do.
public struct UnsafeEnvFile: RekeyError {
    public var path: String
    public var problem: String
    public var remedy: String

    public init(path: String, problem: String, remedy: String = "check target.file in the playbook") {
        self.path = path
        self.problem = problem
        self.remedy = remedy
    }

    public var exitStatus: ExitStatus { .badEnvFile }
    public var description: String { "refusing env file \(path): \(problem); \(remedy)" }
}

/// The env file (or its directory) cannot be written (exit 65: it is the consumer's file, not
/// rekey's state).
public struct EnvFileUnwritable: RekeyError {
    public var path: String
    public var reason: String
    public var remedy: String = "check that this user may write it; nothing was changed"

    public var exitStatus: ExitStatus { .badEnvFile }
    public var description: String { "cannot write env file \(path): \(reason); \(remedy)" }
}
