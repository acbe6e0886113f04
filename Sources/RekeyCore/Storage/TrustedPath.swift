#if canImport(Glibc)
import Glibc
#endif

/// Walks a path one component at a time from `/` (a relative one from the working directory), each directory opened `O_NOFOLLOW |
/// O_DIRECTORY` relative to the one before, and returns a descriptor of the final directory. The
/// trust rules (README, "Files on a hostile host"):
/// - no directory on the way may be writable by group or others without the sticky bit;
/// - a symlink is followed only when it is trusted: the link is owned by root or by the user rekey
///   runs as, and the directory holding it is owned by one of them and not writable by group or
///   others (unless sticky). So `/var/run → /run` or a deployment's root-owned `current` link work, and a link
///   planted by an application's user does not;
/// - once a symlink was followed, every directory after it must be owned by root or the running
///   user (and, like every directory, not writable by group or others unless sticky).
/// A sticky directory (`/tmp`) counts as not writable by others: they cannot rename or remove what
/// they do not own in it.
/// Anything else is `UnsafeEnvFile` (exit 65), naming the component and the owner or mode found.
enum TrustedPath {
    struct Walk {
        /// Descriptor of the directory holding the final name (the caller closes it).
        var directory: Int32
        var directoryPath: String
        var name: String
    }

    static let maximumLinks = 40

    static func walk(_ path: String) throws(UnsafeEnvFile) -> Walk {
        let euid = geteuid()
        func trustedOwner(_ uid: uid_t) -> Bool { uid == 0 || uid == euid }
        func refuse(_ problem: String, _ remedy: String = "see \"Files on a hostile host\" in the README") -> UnsafeEnvFile {
            UnsafeEnvFile(path: path, problem: problem, remedy: remedy)
        }

        var directory: Int32 = -1
        var directoryPath = "/"
        /// Starts (again) at `/`, or for a relative path at the working directory, which the
        /// person running rekey chose.
        func openStart(_ start: String) throws(UnsafeEnvFile) {
            if directory >= 0 { close(directory) }
            directory = open(start, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            directoryPath = start
            guard directory >= 0 else { throw refuse("cannot open \(start): \(reason(errno))") }
        }
        try openStart(path.hasPrefix("/") ? "/" : ".")

        var pending = components(path)
        guard let _ = pending.last else {
            close(directory)
            throw refuse("it names no file")
        }
        var links = 0
        var followedLink = false
        do throws(UnsafeEnvFile) {
            try checkDirectory(directory, path: directoryPath, strict: false, refuse: refuse)
            while !pending.isEmpty {
                let component = pending.removeFirst()
                let here = PathName.join(directoryPath, component)
                var info = stat()
                guard fstatat(directory, component, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                    let code = errno
                    // A missing final name is the caller's to judge; a missing directory is not.
                    if code == ENOENT, pending.isEmpty {
                        return Walk(directory: directory, directoryPath: directoryPath, name: component)
                    }
                    throw refuse("cannot look up \(here): \(reason(code))", "check the path")
                }
                if info.st_mode & S_IFMT == S_IFLNK {
                    links += 1
                    guard links <= maximumLinks else { throw refuse("more than \(maximumLinks) symlinks (a loop?) at \(here)") }
                    var holder = stat()
                    guard fstat(directory, &holder) == 0 else { throw refuse("cannot stat \(directoryPath): \(reason(errno))") }
                    guard trustedOwner(info.st_uid) else {
                        throw refuse("the symlink \(here) is owned by uid \(info.st_uid), not root or the user rekey runs as",
                                     "point target.file at the real file, or have root own the link")
                    }
                    let holderShared = holder.st_mode & 0o022 != 0 && holder.st_mode & S_ISVTX == 0
                    guard trustedOwner(holder.st_uid), !holderShared else {
                        throw refuse("the symlink \(here) lies in \(directoryPath) (owner uid \(holder.st_uid), mode \(octal(holder.st_mode & 0o7777))), which someone other than root or the user rekey runs as can change",
                                     "point target.file at the real file")
                    }
                    let destination = try readLink(directory, component, here: here, refuse: refuse)
                    pending = components(destination) + pending
                    if destination.hasPrefix("/") {
                        try openStart("/")
                        try checkDirectory(directory, path: directoryPath, strict: true, refuse: refuse)
                    }
                    followedLink = true
                    continue
                }
                if pending.isEmpty {
                    return Walk(directory: directory, directoryPath: directoryPath, name: component)
                }
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw refuse("\(here) is \(TargetFile.describe(info.st_mode & S_IFMT)), not a directory", "check the path")
                }
                let next = openat(directory, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard next >= 0 else {
                    let code = errno
                    if code == ELOOP || code == ENOTDIR { throw refuse("\(here) changed while rekey was opening it") }
                    throw refuse("cannot open the directory \(here): \(reason(code))", "check the path")
                }
                close(directory)
                directory = next
                directoryPath = here
                try checkDirectory(directory, path: directoryPath, strict: followedLink, refuse: refuse)
            }
        } catch {
            close(directory)
            throw error
        }
        close(directory)
        throw refuse("it names no file")
    }

    /// A directory on the way: never writable by group or others without the sticky bit; when
    /// `strict` (after a symlink), also owned by root or the running user.
    private static func checkDirectory(_ fd: Int32, path: String, strict: Bool,
                                       refuse: (String, String) -> UnsafeEnvFile) throws(UnsafeEnvFile) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw refuse("cannot stat \(path): \(reason(errno))", "check the path") }
        let mode = info.st_mode & 0o7777
        let writableByOthers = info.st_mode & 0o022 != 0
        if writableByOthers && info.st_mode & S_ISVTX == 0 {
            throw refuse("the directory \(path) is writable by group or others (mode \(octal(mode))) without the sticky bit",
                         "chmod go-w \(path)")
        }
        if strict {
            guard info.st_uid == 0 || info.st_uid == geteuid() else {
                throw refuse("the directory \(path), reached through a symlink, is owned by uid \(info.st_uid), not root or the user rekey runs as",
                             "point target.file at the real file")
            }
        }
    }

    private static func readLink(_ directory: Int32, _ name: String, here: String,
                                 refuse: (String, String) -> UnsafeEnvFile) throws(UnsafeEnvFile) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlinkat(directory, name, &buffer, buffer.count - 1)
        guard count >= 0 else { throw refuse("cannot read the symlink \(here): \(reason(errno))", "check the path") }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The components of `path`, without empty ones and `.`.
    static func components(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init).filter { $0 != "." }
    }

    /// The system's text for `code`, lowercase.
    static func reason(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}
