#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSodium

/// The 32-byte key every sealed file is sealed under.
///
/// It lives in a file of exactly 32 raw bytes (default `/etc/rekey/master.key`), mode 0600, owned
/// by the user running rekey; anything else is refused, as ssh refuses a private key others can
/// read. Under systemd it may come from `$CREDENTIALS_DIRECTORY/<name>` instead. Never from argv
/// or the value of an environment variable.
public struct MasterKey: Sendable {
    public static let byteCount = 32
    public static let defaultPath = "/etc/rekey/master.key"

    let bytes: SecretBytes
    /// First 8 bytes of BLAKE2b-256 of the key: written into every blob so that opening with the
    /// wrong key says so instead of "authentication failed". Not secret.
    public let keyID: [UInt8]

    /// `bytes` must be exactly 32 bytes.
    init(bytes: SecretBytes) {
        precondition(bytes.count == Self.byteCount, "a master key is exactly 32 bytes")
        self.bytes = bytes
        keyID = Array(Digest.blake2b256(bytes).prefix(8))
    }

    public var keyIDHex: String { Digest.hex(keyID) }

    /// A new random key from libsodium's CSPRNG.
    public static func generate() -> MasterKey {
        Sodium.ready()
        let bytes = SecretBytes(count: byteCount)
        bytes.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) }
        return MasterKey(bytes: bytes)
    }

    /// Generates a key and writes it to a new file at `path` (mode 0600, `O_EXCL`, fsynced),
    /// creating a missing parent directory with mode 0700. Never overwrites an existing file:
    /// every sealed file depends on the key already there.
    public static func create(at path: String) throws -> MasterKey {
        var info = stat()
        if lstat(path, &info) == 0 { throw MasterKeyError(path: path, reason: .alreadyExists) }
        try Directories.make(PathName.directory(of: path), mode: 0o700)
        let key = generate()
        // (A `catch ... where` here crashes the Swift 6.3.1 compiler in MandatoryAllocBoxToStack.)
        let written = Result { () throws(FileError) in
            try AtomicFile.createExclusive(path, bytes: key.bytes, mode: 0o600)
        }
        if case .failure(let error) = written {
            if error.errno == EEXIST { throw MasterKeyError(path: path, reason: .alreadyExists) }
            throw error
        }
        return key
    }

    /// Loads the key at `path`, refusing a missing file, a non-regular file, a mode open to group
    /// or others, another owner, or a length other than 32.
    public static func load(from path: String) throws(MasterKeyError) -> MasterKey {
        try read(path, checkOwnership: true)
    }

    /// Loads the key systemd passes as a credential (`LoadCredential=` / `LoadCredentialEncrypted=`):
    /// the file `<credentialsDirectory>/<name>`, where `credentialsDirectory` is the service's
    /// `$CREDENTIALS_DIRECTORY`.
    ///
    /// The length and file type are checked as for `load(from:)`, but not the mode or owner:
    /// systemd owns that directory, makes it readable only by the service, and sets the files'
    /// modes itself (0400, or 0440 with a group), so the ssh-style check does not apply.
    public static func load(credentialsDirectory: String, name: String = "master.key") throws(MasterKeyError) -> MasterKey {
        try read(PathName.join(credentialsDirectory, name), checkOwnership: false)
    }

    private static func read(_ path: String, checkOwnership: Bool) throws(MasterKeyError) -> MasterKey {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw MasterKeyError(path: path, reason: code == ENOENT ? .missing : .unreadable(errno: code))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw MasterKeyError(path: path, reason: .unreadable(errno: errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw MasterKeyError(path: path, reason: .notRegularFile) }
        if checkOwnership {
            let user = geteuid()
            guard info.st_uid == user else {
                throw MasterKeyError(path: path, reason: .wrongOwner(owner: info.st_uid, user: user))
            }
            guard info.st_mode & 0o077 == 0 else {
                throw MasterKeyError(path: path, reason: .unsafeMode(info.st_mode & 0o7777))
            }
        }
        guard info.st_size == byteCount else {
            throw MasterKeyError(path: path, reason: .wrongLength(Int(info.st_size)))
        }
        let bytes = SecretBytes(count: byteCount)
        let result = bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(FileError) in try AtomicFile.readFully(fd, into: buffer, path: path) }
        }
        let filled: Int
        switch result {
        case .success(let count): filled = count
        case .failure(let error): throw MasterKeyError(path: path, reason: .unreadable(errno: error.errno))
        }
        guard filled == byteCount else { throw MasterKeyError(path: path, reason: .wrongLength(filled)) }
        return MasterKey(bytes: bytes)
    }
}

/// Why the master key cannot be used. Never holds key bytes.
///
/// Exit status 77 for missing, unreadable or unsafe files; 78 for a file of the wrong length;
/// 73 when `rekey init` finds a key already there.
public struct MasterKeyError: RekeyError, Equatable {
    public enum Reason: Sendable, Equatable {
        case missing
        case unreadable(errno: Int32)
        case notRegularFile
        case unsafeMode(mode_t)
        case wrongOwner(owner: uid_t, user: uid_t)
        case wrongLength(Int)
        case alreadyExists
    }

    public let path: String
    public let reason: Reason

    public var exitStatus: ExitStatus {
        switch reason {
        case .wrongLength: .config
        case .alreadyExists: .cantCreate
        default: .noPermission
        }
    }

    public var description: String {
        switch reason {
        case .missing:
            return "no master key at \(path); run rekey init"
        case .unreadable(let code):
            return "cannot read master key \(path): \(String(cString: strerror(code))); run rekey as the user who owns it"
        case .notRegularFile:
            return "master key \(path) is not a regular file; point rekey at the 32-byte key file"
        case .unsafeMode(let mode):
            return "master key \(path) is \(Self.exposure(mode)) by group or others (mode \(octal(mode))); run chmod 600 \(path)"
        case .wrongOwner(let owner, let user):
            return "master key \(path) is owned by uid \(owner), not by uid \(user) running rekey; run chown \(user) \(path) or run rekey as uid \(owner)"
        case .wrongLength(let count):
            return "master key \(path) holds \(count) bytes, a master key is exactly 32; restore the right key file"
        case .alreadyExists:
            return "a master key already exists at \(path); rekey init never overwrites one, since every sealed file needs it"
        }
    }

    /// "readable", "writable", "readable and writable", ... for the group/other bits of `mode`.
    private static func exposure(_ mode: mode_t) -> String {
        var words: [String] = []
        if mode & 0o044 != 0 { words.append("readable") }
        if mode & 0o022 != 0 { words.append("writable") }
        if mode & 0o011 != 0 { words.append("executable") }
        return words.joined(separator: " and ")
    }
}
