#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file-system call that failed: what rekey was doing, to which path, and the `errno` it got.
///
/// Reads as `cannot rename temp file over /etc/x.env: Permission denied; check that this user may
/// write /etc`. It never carries file contents.
///
/// `exitStatus` is `.cantCreate` (73): a file of rekey's own state could not be read or written.
/// A consumer's env file goes through `ConsumerFile`, backed by a `TargetFile` (its errors are 65); callers that know better
/// (a missing vault entry, a missing master key) catch it and map `errno` themselves.
public struct FileError: RekeyError, Equatable {
    public enum Operation: String, Sendable, Equatable {
        case open = "open"
        case read = "read"
        case stat = "stat"
        case resolveLink = "resolve the symlink"
        case createTemp = "create a temp file next to"
        case keepOwner = "keep the owner of"
        case setMode = "set the mode of"
        case write = "write"
        case sync = "fsync"
        case rename = "rename temp file over"
        case syncDirectory = "fsync the directory of"
        case create = "create"
        case createDirectory = "create the directory"
        case remove = "remove"
        case list = "list the directory"
        case lock = "lock"

        /// Whether the operation changes the disk (the hint then talks about writing).
        public var isWrite: Bool {
            switch self {
            case .open, .read, .stat, .resolveLink, .list: false
            default: true
            }
        }
    }

    public let path: String
    public let operation: Operation
    public let errno: Int32
    /// What to do about it; when nil, a hint is derived from `errno`.
    public let hint: String?

    public init(path: String, operation: Operation, errno: Int32, hint: String? = nil) {
        self.path = path
        self.operation = operation
        self.errno = errno
        self.hint = hint
    }

    public var exitStatus: ExitStatus { .cantCreate }

    /// The system's text for `errno`, e.g. `Permission denied`.
    public var reason: String { String(cString: strerror(errno)) }

    public var description: String {
        var line = "cannot \(operation.rawValue) \(path): \(reason)"
        if let advice = hint ?? defaultHint { line += "; \(advice)" }
        return line
    }

    private var defaultHint: String? {
        let directory = PathName.directory(of: path)
        switch errno {
        case EACCES, EPERM:
            return operation.isWrite
                ? "check that this user may write \(directory)"
                : "check that this user may read \(path)"
        case ENOENT:
            return operation.isWrite ? "check that \(directory) exists" : "check the path"
        case ENOSPC, EDQUOT: return "free some space on that file system"
        case EROFS: return "that file system is read-only here; " + ReadOnlyFileSystem.hint(directory)
        case EISDIR: return "the path is a directory, not a file"
        case ELOOP: return "check for a symlink loop"
        case EEXIST: return "something is already there and rekey does not overwrite it"
        case ENOTDIR: return "a part of the path is a file, not a directory"
        default: return nil
        }
    }
}

/// Small path-string helpers (POSIX paths, no Foundation).
enum PathName {
    /// The directory part of `path`: `/a/b` → `/a`, `b` → `.`, `/b` → `/`.
    static func directory(of path: String) -> String {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        let head = trimmed[..<slash]
        return head.isEmpty ? "/" : String(head)
    }

    /// The last component of `path`: `/a/b` → `b`.
    static func base(of path: String) -> String {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    static func join(_ directory: String, _ name: String) -> String {
        if name.hasPrefix("/") { return name }
        if directory.hasSuffix("/") { return directory + name }
        return directory + "/" + name
    }
}
