#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// rekey's state directory (default `/var/lib/rekey`, mode 0700), laid out as in design.md:
///
/// ```
/// backups/<consumer>/<basename>.bak.<epoch>.sealed
/// runs/<run-id>.journal
/// vault/<name>.sealed
/// inventory.sealed
/// locks/<consumer>.lock
/// ```
///
/// The path helpers only build paths; `consumer`, `run` and `name` must already be valid names
/// (`SafeName.validate`), which the playbook and vault layers check.
public struct StateDirectory: Sendable, Equatable {
    public static let defaultRoot = "/var/lib/rekey"
    public static let subdirectories = ["backups", "runs", "vault", "locks"]

    public let root: String
    private let filesBox = StateFilesBox()

    public init(root: String = StateDirectory.defaultRoot) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    public static func == (lhs: StateDirectory, rhs: StateDirectory) -> Bool { lhs.root == rhs.root }

    /// The state directory held through one descriptor, opened and checked on first use (and
    /// created through `prepare` when missing); every write of rekey's own state goes through it.
    public func files() throws -> StateFiles {
        try filesBox.get { () throws -> StateFiles in
            var info = stat()
            if lstat(root, &info) != 0 { try prepare() }
            return try StateFiles(root: root)
        }
    }

    public var backupsDirectory: String { PathName.join(root, "backups") }
    public var runsDirectory: String { PathName.join(root, "runs") }
    public var vaultDirectory: String { PathName.join(root, "vault") }
    public var locksDirectory: String { PathName.join(root, "locks") }
    public var inventoryPath: String { PathName.join(root, "inventory.sealed") }

    public func backupDirectory(consumer: String) -> String { PathName.join(backupsDirectory, consumer) }

    /// `backups/<consumer>/<basename>.bak.<epoch>.sealed`
    public func backupPath(consumer: String, basename: String, epoch: Int) -> String {
        PathName.join(backupDirectory(consumer: consumer), "\(basename).bak.\(epoch).sealed")
    }

    /// `runs/<run>.journal`
    public func journalPath(run: String) -> String { PathName.join(runsDirectory, "\(run).journal") }

    /// `vault/<name>.sealed`
    public func vaultPath(name: String) -> String { PathName.join(vaultDirectory, "\(name).sealed") }

    /// `locks/<consumer>.lock`
    public func lockPath(consumer: String) -> String { PathName.join(locksDirectory, "\(consumer).lock") }

    /// Creates the root (and missing parents) and its subdirectories with mode 0700, or checks the
    /// ones that exist: a root that is a symlink, not a directory, open to group or others, owned
    /// by another user or not writable is refused with a line saying how to fix it.
    public func prepare() throws(StateDirectoryError) {
        var info = stat()
        if lstat(root, &info) != 0 {
            let code = errno
            guard code == ENOENT || code == ENOTDIR else {
                throw StateDirectoryError(path: root, reason: .cannotCreate(FileError(path: root, operation: .stat, errno: code)))
            }
            do throws(FileError) {
                try Directories.make(root, mode: 0o700)
            } catch {
                throw StateDirectoryError(path: root, reason: .cannotCreate(error))
            }
            guard lstat(root, &info) == 0 else {
                throw StateDirectoryError(path: root, reason: .cannotCreate(FileError(path: root, operation: .stat, errno: errno)))
            }
        }
        try check(root, info)
        let euid = geteuid()
        guard info.st_uid == euid else {
            throw StateDirectoryError(path: root, reason: .wrongOwner(owner: info.st_uid, user: euid))
        }
        guard info.st_mode & 0o077 == 0 else {
            throw StateDirectoryError(path: root, reason: .unsafeMode(info.st_mode & 0o7777))
        }
        guard access(root, W_OK | X_OK) == 0 else {
            throw StateDirectoryError(path: root, reason: .notWritable(user: euid))
        }

        for name in Self.subdirectories {
            let path = PathName.join(root, name)
            var sub = stat()
            if lstat(path, &sub) == 0 {
                try check(path, sub)
                continue
            }
            do throws(FileError) {
                try Directories.make(path, mode: 0o700)
            } catch {
                throw StateDirectoryError(path: path, reason: .cannotCreate(error))
            }
        }
    }

    private func check(_ path: String, _ info: stat) throws(StateDirectoryError) {
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return
        case S_IFLNK: throw StateDirectoryError(path: path, reason: .symlink)
        default: throw StateDirectoryError(path: path, reason: .notDirectory)
        }
    }

    /// The sealed backups of `consumer` (optionally only those of one env file's `basename`),
    /// newest first. No backup directory yet means no backups.
    public func listBackups(consumer: String, basename: String? = nil) throws(FileError) -> [BackupFile] {
        let directory = backupDirectory(consumer: consumer)
        var result: [BackupFile] = []
        for name in try Directories.entries(directory) {
            guard let parsed = BackupFile.parse(name: name) else { continue }
            if let basename, parsed.basename != basename { continue }
            let path = PathName.join(directory, name)
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            result.append(BackupFile(path: path, basename: parsed.basename, epoch: parsed.epoch, size: Int(info.st_size)))
        }
        return result.sorted { ($0.epoch, $0.path) > ($1.epoch, $1.path) }
    }
}

/// One sealed backup of an env file, as listed by `StateDirectory.listBackups`.
public struct BackupFile: Sendable, Equatable {
    public let path: String
    /// The env file's base name.
    public let basename: String
    /// When the backup was taken, in seconds since 1970.
    public let epoch: Int
    /// Size of the sealed file in bytes.
    public let size: Int

    /// Parses `<basename>.bak.<epoch>.sealed`.
    static func parse(name: String) -> (basename: String, epoch: Int)? {
        guard name.hasSuffix(".sealed") else { return nil }
        let stem = name.dropLast(".sealed".count)
        guard let dot = stem.lastIndex(of: ".") else { return nil }
        let digits = stem[stem.index(after: dot)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }), let epoch = Int(digits) else { return nil }
        let head = stem[..<dot]
        guard head.hasSuffix(".bak") else { return nil }
        let basename = head.dropLast(".bak".count)
        guard !basename.isEmpty else { return nil }
        return (String(basename), epoch)
    }
}

/// Why the state directory cannot be used. Always exit status 73.
public struct StateDirectoryError: RekeyError, Equatable {
    public enum Reason: Sendable, Equatable {
        case symlink
        case notDirectory
        case unsafeMode(mode_t)
        case wrongOwner(owner: uid_t, user: uid_t)
        case notWritable(user: uid_t)
        case cannotCreate(FileError)
    }

    public let path: String
    public let reason: Reason

    public var exitStatus: ExitStatus { .cantCreate }

    public var description: String {
        switch reason {
        case .symlink:
            "state directory \(path) is a symlink; use the real directory instead"
        case .notDirectory:
            "state directory \(path) is not a directory; move that file away or choose another state directory"
        case .unsafeMode(let mode):
            "state directory \(path) is open to group or others (mode \(octal(mode))); run chmod 700 \(path)"
        case .wrongOwner(let owner, let user):
            "state directory \(path) is owned by uid \(owner), not by uid \(user) running rekey; run chown \(user) \(path)"
        case .notWritable(let user):
            "state directory \(path) is not writable by uid \(user); run rekey as its owner or run chmod 700 \(path)"
        case .cannotCreate(let error):
            "cannot set up state directory \(path): \(error)"
        }
    }
}

/// `0644`-style octal text of a mode's permission bits.
func octal(_ mode: mode_t) -> String {
    let digits = String(UInt32(mode) & 0o7777, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

/// Directory helpers on plain POSIX calls.
enum Directories {
    /// `mkdir -p` with `mode` (exactly, whatever the umask) for every directory it creates; each
    /// creation is fsynced into its parent.
    static func make(_ path: String, mode: mode_t) throws(FileError) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw FileError(path: path, operation: .createDirectory, errno: EEXIST)
            }
            return
        }
        let parent = PathName.directory(of: path)
        if parent != path { try make(parent, mode: mode) }
        if mkdir(path, mode) != 0 {
            let code = errno
            if code == EEXIST, stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { return }
            throw FileError(path: path, operation: .createDirectory, errno: code)
        }
        guard chmod(path, mode) == 0 else { throw FileError(path: path, operation: .setMode, errno: errno) }
        try AtomicFile.syncDirectory(of: path)
    }

    /// Names in `directory` (without `.` and `..`); a missing directory has none.
    static func entries(_ directory: String) throws(FileError) -> [String] {
        guard let handle = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw FileError(path: directory, operation: .list, errno: errno)
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
