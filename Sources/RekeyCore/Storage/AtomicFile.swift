#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes that matter, done the one safe way (design.md, "Rules that hold everywhere"), for rekey's
/// own state and files an operator names on the command line. A consumer's env file, which may sit in
/// a directory another account controls, goes through `TargetFile` instead (no path resolved twice).
///
/// 1. resolve symlinks, so writing through a link replaces the file it points to and keeps the link;
/// 2. create a temp file in the same directory as that file, `O_CREAT | O_EXCL`, mode 0600;
/// 3. write every byte;
/// 4. give it the owner (`fchown`) and mode (`fchmod`) of the file it replaces, or `newFileMode`
///    for a new file (after the write, which would clear setuid/setgid bits), then `fsync` it;
/// 5. `rename` it over the target, then `fsync` the directory;
/// 6. on any failure before the rename, remove the temp file.
///
/// A reader therefore sees either the old bytes or the new ones, never a mix, and after a crash at
/// any instant the target holds one of the two. A crash between steps 4 and 5 can leave a temp file
/// named `.<name>.rekey-tmp.<hex>` beside the target; it is never read by rekey.
///
/// Crash points for tests (see `CrashPoint`): `atomic-after-temp-write`, `atomic-after-rename`,
/// `create-exclusive-after-write`.
///
/// Foundation's `Data.write(options: .atomic)` is not used: on Linux it resets the mode, drops the
/// owner, skips the directory fsync and replaces a symlink with a regular file.
public enum AtomicFile {
    /// Atomically replaces the file at `path` (or the file a symlink at `path` points to) with `bytes`.
    public static func replace(_ path: String, with bytes: SecretBytes, newFileMode: mode_t = 0o600) throws(FileError) {
        try bytes.withUnsafeBytes { (buffer) throws(FileError) in
            try replace(path, buffer: buffer, newFileMode: newFileMode)
        }
    }

    /// Atomically replaces the file at `path` with `bytes` (for content that is not secret, such as
    /// a sealed blob).
    public static func replace(_ path: String, with bytes: [UInt8], newFileMode: mode_t = 0o600) throws(FileError) {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(FileError) in try replace(path, buffer: buffer, newFileMode: newFileMode) }
        }.get()
    }

    /// Creates a new file at `path` holding `bytes` with exactly `mode` (the umask does not apply);
    /// fails with `EEXIST` if anything, even a dangling symlink, is already there.
    public static func createExclusive(_ path: String, bytes: SecretBytes, mode: mode_t = 0o600) throws(FileError) {
        try bytes.withUnsafeBytes { (buffer) throws(FileError) in
            try createExclusive(path, buffer: buffer, mode: mode)
        }
    }

    public static func createExclusive(_ path: String, bytes: [UInt8], mode: mode_t = 0o600) throws(FileError) {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(FileError) in try createExclusive(path, buffer: buffer, mode: mode) }
        }.get()
    }

    /// Reads the whole file at `path` (following symlinks) straight into `SecretBytes`, with no
    /// intermediate `String` or `[UInt8]`.
    public static func readSecret(_ path: String) throws(FileError) -> SecretBytes {
        let fd = try openForReading(path)
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError(path: path, operation: .stat, errno: errno) }

        var parts: [SecretBytes] = []
        var chunkSize = max(Int(info.st_size), 0)
        // The size from fstat is a first guess: read it, then keep reading until end of file, so a
        // file that grew (or reports size 0, as in /proc) is still read whole.
        while true {
            let chunk = SecretBytes(count: chunkSize)
            let filled = try chunk.withUnsafeMutableBytes { (buffer) throws(FileError) in
                try readFully(fd, into: buffer, path: path)
            }
            if filled == chunkSize {
                if chunkSize > 0 { parts.append(chunk) }
            } else {
                if filled > 0 { parts.append(chunk.slice(0..<filled)) }
                break
            }
            chunkSize = 64 * 1024
        }
        if parts.count == 1 { return parts[0] }
        return SecretBytes.concatenating(parts)
    }

    /// Reads the whole file at `path` into an array; only for bytes that are not secret (sealed blobs).
    public static func readBytes(_ path: String) throws(FileError) -> [UInt8] {
        let fd = try openForReading(path)
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let filled = try chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(FileError) in try readFully(fd, into: buffer, path: path) }
            }.get()
            result.append(contentsOf: chunk[0..<filled])
            if filled < chunk.count { return result }
        }
    }

    /// Removes the file at `path` and fsyncs its directory, so the removal survives a crash.
    public static func remove(_ path: String) throws(FileError) {
        guard unlink(path) == 0 else { throw FileError(path: path, operation: .remove, errno: errno) }
        try syncDirectory(of: path)
    }

    /// The file a write to `path` lands in: `path` itself, or the end of its chain of symlinks.
    /// A missing final file (or a dangling link) resolves to the path where it would be created.
    public static func resolveFinalTarget(_ path: String) throws(FileError) -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            if lstat(current, &info) != 0 {
                if errno == ENOENT { return current }
                throw FileError(path: current, operation: .stat, errno: errno)
            }
            guard info.st_mode & S_IFMT == S_IFLNK else { return current }
            let destination = try readLink(current)
            current = destination.hasPrefix("/")
                ? destination
                : PathName.join(PathName.directory(of: current), destination)
        }
        throw FileError(path: path, operation: .resolveLink, errno: ELOOP)
    }

    // MARK: - The recipe

    private static func replace(_ path: String, buffer: UnsafeRawBufferPointer, newFileMode: mode_t) throws(FileError) {
        let target = try resolveFinalTarget(path)
        let directory = try openDirectory(of: target)
        defer { close(directory) }
        try replace(in: directory, name: PathName.base(of: target), path: target, buffer: buffer, newFileMode: newFileMode,
                    crashTag: path)
    }

    /// The recipe inside one directory descriptor: temp file by `openat`, `renameat` over `name`,
    /// `fsync` of the directory through the same descriptor. `path` is only for messages.
    static func replace(in directory: Int32, name: String, path target: String, buffer: UnsafeRawBufferPointer,
                        newFileMode: mode_t, crashTag: String? = nil) throws(FileError) {
        var info = stat()
        let existing: stat? = fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_mode & S_IFMT == S_IFREG ? info : nil

        let (fd, temp) = try createTemp(named: name, in: directory, target: target)
        do throws(FileError) {
            // Write first: a write by a non-root user clears setuid/setgid bits, and so does
            // chown, so the mode is set last.
            try writeAll(fd, buffer, path: target)
            if let existing {
                try copyOwner(of: existing, to: fd, target: target)
                guard fchmod(fd, existing.st_mode & 0o7777) == 0 else {
                    throw FileError(path: target, operation: .setMode, errno: errno)
                }
            } else {
                guard fchmod(fd, newFileMode) == 0 else {
                    throw FileError(path: target, operation: .setMode, errno: errno)
                }
            }
            FsyncCounter.count()
            guard fsync(fd) == 0 else { throw FileError(path: target, operation: .sync, errno: errno) }
        } catch {
            close(fd)
            unlinkat(directory, temp, 0)
            throw error
        }
        guard close(fd) == 0 else {
            let code = errno
            unlinkat(directory, temp, 0)
            throw FileError(path: target, operation: .write, errno: code)
        }

        CrashPoint.reach("atomic-after-temp-write", file: crashTag ?? target)

        guard renameat(directory, temp, directory, name) == 0 else {
            let code = errno
            unlinkat(directory, temp, 0)
            throw FileError(path: target, operation: .rename, errno: code)
        }

        CrashPoint.reach("atomic-after-rename", file: crashTag ?? target)

        // The new bytes are in place; this makes the rename itself durable.
        FsyncCounter.count()
        guard fsync(directory) == 0 else { throw FileError(path: target, operation: .syncDirectory, errno: errno) }
    }

    private static func createExclusive(_ path: String, buffer: UnsafeRawBufferPointer, mode: mode_t) throws(FileError) {
        let directory = try openDirectory(of: path, operation: .create)
        defer { close(directory) }
        try createExclusive(in: directory, name: PathName.base(of: path), path: path, buffer: buffer, mode: mode)
    }

    /// Creates `name` in `directory` (`O_EXCL | O_NOFOLLOW`) holding `buffer`, fsyncs it and the directory.
    static func createExclusive(in directory: Int32, name: String, path: String, buffer: UnsafeRawBufferPointer, mode: mode_t) throws(FileError) {
        let fd = openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw FileError(path: path, operation: .create, errno: errno) }
        do throws(FileError) {
            try writeAll(fd, buffer, path: path)
            guard fchmod(fd, mode) == 0 else { throw FileError(path: path, operation: .setMode, errno: errno) }
            FsyncCounter.count()
            guard fsync(fd) == 0 else { throw FileError(path: path, operation: .sync, errno: errno) }
        } catch {
            close(fd)
            unlinkat(directory, name, 0)
            throw error
        }
        guard close(fd) == 0 else {
            let code = errno
            unlinkat(directory, name, 0)
            throw FileError(path: path, operation: .write, errno: code)
        }
        CrashPoint.reach("create-exclusive-after-write", file: path)
        FsyncCounter.count()
        guard fsync(directory) == 0 else { throw FileError(path: path, operation: .syncDirectory, errno: errno) }
    }

    private static func openDirectory(of path: String, operation: FileError.Operation = .createTemp) throws(FileError) -> Int32 {
        let fd = open(PathName.directory(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, operation: operation, errno: errno) }
        return fd
    }

    /// Whether `name` is one of this writer's temp files (`.<name>.rekey-tmp.<12 hex>`), left behind
    /// by a process that died mid-replace; with `target`, only a temp file of that target counts.
    public static func isTempName(_ name: String, for target: String? = nil) -> Bool {
        guard name.hasPrefix("."), let marker = name.range(of: ".rekey-tmp.", options: .backwards) else { return false }
        let suffix = name[marker.upperBound...]
        guard suffix.count == 12, suffix.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) }) else { return false }
        guard let target else { return true }
        return name[name.index(after: name.startIndex)..<marker.lowerBound] == PathName.base(of: target).prefix(200)
    }

    /// Creates `.<name>.rekey-tmp.<12 hex>` in `directory`, mode 0600, retrying on a name clash.
    private static func createTemp(named name: String, in directory: Int32, target: String) throws(FileError) -> (Int32, String) {
        // Keep the temp name within NAME_MAX even for a long target name.
        let base = String(name.prefix(200))
        var attempt = 0
        while true {
            let suffix = Sodium.randomBytes(6).map { hexDigits($0) }.joined()
            let temp = ".\(base).rekey-tmp.\(suffix)"
            let fd = openat(directory, temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if fd >= 0 { return (fd, temp) }
            let code = errno
            attempt += 1
            if code != EEXIST || attempt >= 4 {
                throw FileError(path: target, operation: .createTemp, errno: code)
            }
        }
    }

    /// Gives the temp file the owner and group of the file it replaces. Root can always do it; the
    /// owner can set the group if it is one of theirs. Anyone else would silently change who owns
    /// the file (and perhaps lock its consumer out), so that is refused.
    static func copyOwner(of existing: stat, to fd: Int32, target: String) throws(FileError) {
        let euid = geteuid()
        if euid == 0 {
            guard fchown(fd, existing.st_uid, existing.st_gid) == 0 else {
                throw FileError(path: target, operation: .keepOwner, errno: errno)
            }
        } else if existing.st_uid == euid {
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw FileError(path: target, operation: .keepOwner, errno: errno) }
            if info.st_gid != existing.st_gid, fchown(fd, uid_t.max, existing.st_gid) != 0 {
                throw FileError(
                    path: target, operation: .keepOwner, errno: errno,
                    hint: "it belongs to group \(existing.st_gid), which this user is not in; run rekey as root")
            }
        } else {
            throw FileError(
                path: target, operation: .keepOwner, errno: EPERM,
                hint: "it is owned by uid \(existing.st_uid); run rekey as root or as that user")
        }
    }

    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws(FileError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        var offset = 0
        while offset < buffer.count {
            let written = write(fd, base + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, operation: .write, errno: errno)
            }
            offset += written
        }
    }

    /// Reads until `buffer` is full or the file ends; returns how many bytes were read.
    static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(FileError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        var offset = 0
        while offset < buffer.count {
            let count = read(fd, base + offset, buffer.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, operation: .read, errno: errno)
            }
            if count == 0 { break }
            offset += count
        }
        return offset
    }

    private static func openForReading(_ path: String) throws(FileError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, operation: .open, errno: errno) }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
            close(fd)
            throw FileError(path: path, operation: .read, errno: EISDIR)
        }
        return fd
    }

    static func syncDirectory(of path: String) throws(FileError) {
        FsyncCounter.count()
        let fd = open(PathName.directory(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileError(path: path, operation: .syncDirectory, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileError(path: path, operation: .syncDirectory, errno: errno) }
    }

    private static func readLink(_ path: String) throws(FileError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { throw FileError(path: path, operation: .resolveLink, errno: errno) }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

func hexDigits(_ byte: UInt8) -> String {
    let digits: [Character] = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
}
