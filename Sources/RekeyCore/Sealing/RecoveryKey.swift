import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSodium

/// The recovery ("escrow") key pair: X25519 keys for libsodium's `crypto_box_seal`.
///
/// With a recovery public key installed (`recovery.pub` in the state directory), every backup is
/// also sealed to it (`Escrow`), so backups survive the loss of the master key. The private half
/// lives off the host; the host can write escrowed backups but never read them.
///
/// Key files are one line of text, so the two halves cannot be confused and a file can be checked
/// by eye or pasted into a ticket (the public one):
///
/// ```
/// rekey-recovery-public-v1:<64 lowercase hex digits>\n     (the 32-byte X25519 public key)
/// rekey-recovery-private-v1:<64 lowercase hex digits>\n    (the 32-byte X25519 secret key)
/// ```
///
/// Trailing whitespace is ignored when reading. rekey refuses a private key wherever it expects a
/// public one (`init --recovery-key`, `key set-recovery`), so the private half never lands in the
/// state directory by mistake.
public struct RecoveryPublicKey: Sendable, Equatable {
    public static let byteCount = 32
    static let publicPrefix = Array("rekey-recovery-public-v1:".utf8)
    static let privatePrefix = Array("rekey-recovery-private-v1:".utf8)

    /// The raw 32-byte X25519 public key.
    public let bytes: [UInt8]
    /// First 8 bytes of BLAKE2b-256 of the public key: written into every escrowed backup so an
    /// opener with the wrong private key is told so. Not secret.
    public let keyID: [UInt8]

    init(bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount, "an X25519 public key is 32 bytes")
        self.bytes = bytes
        keyID = Array(Digest.blake2b256(bytes).prefix(8))
    }

    public var keyIDHex: String { Digest.hex(keyID) }

    /// The file text: `rekey-recovery-public-v1:<hex>\n`.
    public var fileBytes: [UInt8] { Self.publicPrefix + Array(Digest.hex(bytes).utf8) + [UInt8(ascii: "\n")] }

    /// Reads a public key file, refusing a private key, a missing file or anything malformed.
    public static func load(from path: String) throws(RecoveryKeyError) -> RecoveryPublicKey {
        let secret = try RecoveryKeyError.reading(path)
        return try parse(secret, path: path)
    }

    static func parse(_ text: SecretBytes, path: String) throws(RecoveryKeyError) -> RecoveryPublicKey {
        let body = try text.withUnsafeBytes { (raw) throws(RecoveryKeyError) -> SecretBytes in
            let trimmed = RecoveryKeyFile.trimmedCount(raw)
            if RecoveryKeyFile.hasPrefix(raw, privatePrefix) { throw RecoveryKeyError(path: path, reason: .privateGivenAsPublic) }
            guard RecoveryKeyFile.hasPrefix(raw, publicPrefix) else { throw RecoveryKeyError(path: path, reason: .malformed(expected: "public")) }
            return SecretBytes(copying: UnsafeRawBufferPointer(rebasing: raw[publicPrefix.count..<max(publicPrefix.count, trimmed)]))
        }
        let key = try RecoveryKeyFile.decodeHex(body, path: path, half: "public")
        return RecoveryPublicKey(bytes: key.withUnsafeBytes { Array($0) })
    }
}

/// The private half of a recovery key pair, loaded only by `rekey backup open` (off the host).
public struct RecoveryPrivateKey: Sendable {
    let secret: SecretBytes
    /// The public half, derived from the secret (`crypto_scalarmult_base`).
    public let publicKey: RecoveryPublicKey

    init(secret: SecretBytes) {
        precondition(secret.count == RecoveryPublicKey.byteCount, "an X25519 secret key is 32 bytes")
        Sodium.ready()
        self.secret = secret
        var derived = [UInt8](repeating: 0, count: RecoveryPublicKey.byteCount)
        let status = secret.withUnsafeBytes { sk in
            crypto_scalarmult_base(&derived, sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        precondition(status == 0, "crypto_scalarmult_base failed")
        publicKey = RecoveryPublicKey(bytes: derived)
    }

    /// The file text: `rekey-recovery-private-v1:<hex>\n`, built without leaving `SecretBytes`.
    var fileBytes: SecretBytes {
        let hex = SecretBytes(count: 2 * secret.count + 1)
        hex.withUnsafeMutableBytes { out in
            secret.withUnsafeBytes { bin in
                _ = sodium_bin2hex(out.baseAddress!.assumingMemoryBound(to: CChar.self), out.count,
                                   bin.baseAddress!.assumingMemoryBound(to: UInt8.self), bin.count)
            }
        }
        return SecretBytes.concatenating([
            SecretBytes(copying: RecoveryPublicKey.privatePrefix), hex.slice(0..<(2 * secret.count)), SecretBytes(copying: [UInt8(ascii: "\n")]),
        ])
    }

    /// Reads a private key file, refusing a public key, a missing file or anything malformed.
    public static func load(from path: String) throws(RecoveryKeyError) -> RecoveryPrivateKey {
        let text = try RecoveryKeyError.reading(path)
        let body = try text.withUnsafeBytes { (raw) throws(RecoveryKeyError) -> SecretBytes in
            let trimmed = RecoveryKeyFile.trimmedCount(raw)
            let prefix = RecoveryPublicKey.privatePrefix
            if RecoveryKeyFile.hasPrefix(raw, RecoveryPublicKey.publicPrefix) { throw RecoveryKeyError(path: path, reason: .publicGivenAsPrivate) }
            guard RecoveryKeyFile.hasPrefix(raw, prefix) else { throw RecoveryKeyError(path: path, reason: .malformed(expected: "private")) }
            return SecretBytes(copying: UnsafeRawBufferPointer(rebasing: raw[prefix.count..<max(prefix.count, trimmed)]))
        }
        return RecoveryPrivateKey(secret: try RecoveryKeyFile.decodeHex(body, path: path, half: "private"))
    }
}

/// Making a recovery key pair.
public enum RecoveryKeyPair {
    /// A fresh pair from `crypto_box_keypair`.
    public static func generate() -> RecoveryPrivateKey {
        Sodium.ready()
        var publicBytes = [UInt8](repeating: 0, count: Int(crypto_box_publickeybytes()))
        let secret = SecretBytes(count: Int(crypto_box_secretkeybytes()))
        let status = secret.withUnsafeMutableBytes { sk in
            crypto_box_keypair(&publicBytes, sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        precondition(status == 0, "crypto_box_keypair failed")
        let key = RecoveryPrivateKey(secret: secret)
        precondition(key.publicKey.bytes == publicBytes, "X25519 public key derivation disagrees with crypto_box_keypair")
        return key
    }

    /// Generates a pair and writes both halves to new files (`O_EXCL`, fsynced): the private key
    /// with mode 0600, the public key with mode 0644 (it is not secret). Refuses when either path
    /// already exists, before writing anything; if the second write fails the first file is removed.
    /// Refuses a private path inside `stateDirectory`: the host must never hold the private half.
    public static func create(publicPath: String, privatePath: String, stateDirectory: StateDirectory? = nil) throws -> RecoveryPublicKey {
        if let stateDirectory, isInside(privatePath, directory: stateDirectory.root) {
            throw PrivateKeyInStateDirectory(path: privatePath, state: stateDirectory.root)
        }
        for path in [privatePath, publicPath] {
            var info = stat()
            if lstat(path, &info) == 0 { throw FileError(path: path, operation: .create, errno: EEXIST, hint: "choose a new path; rekey never overwrites a key file") }
        }
        let key = generate()
        try AtomicFile.createExclusive(privatePath, bytes: key.fileBytes, mode: 0o600)
        let wrote = Result { () throws(FileError) in try AtomicFile.createExclusive(publicPath, bytes: key.publicKey.fileBytes, mode: 0o644) }
        if case .failure(let error) = wrote {
            unlink(privatePath)
            throw error
        }
        return key.publicKey
    }
}

extension RecoveryKeyPair {
    /// Writing the recovery private key into the state directory. Exit status 64 (usage).
    public struct PrivateKeyInStateDirectory: RekeyError {
        public let path: String
        public let state: String
        public var exitStatus: ExitStatus { .usage }
        public var description: String {
            "refusing to write the recovery private key \(path) inside the state directory \(state); write it somewhere you will move off this host"
        }
    }

    /// Whether `path` (which need not exist) lies inside `directory`, both with symlinks resolved.
    static func isInside(_ path: String, directory: String) -> Bool {
        func resolved(_ path: String) -> String? {
            guard let pointer = realpath(path, nil) else { return nil }
            defer { free(pointer) }
            return String(cString: pointer)
        }
        guard let root = resolved(directory) else { return false }
        let absolute = path.hasPrefix("/") ? path : PathName.join(WorkingDirectory.path(), path)
        guard let parent = resolved(PathName.directory(of: absolute)) else { return false }
        return parent == root || parent.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }
}

/// The current directory, for making relative paths absolute.
enum WorkingDirectory {
    static func path() -> String {
        FileManager.default.currentDirectoryPath
    }
}

extension StateDirectory {
    /// `recovery.pub`: the installed recovery public key (mode 0600). Absent means escrow is off.
    public var recoveryKeyPath: String { PathName.join(root, "recovery.pub") }

    /// The installed recovery public key, or nil when escrow is off.
    public func recoveryKey() throws(RecoveryKeyError) -> RecoveryPublicKey? {
        var info = stat()
        guard lstat(recoveryKeyPath, &info) == 0 else { return nil }
        do throws(RecoveryKeyError) {
            return try RecoveryPublicKey.load(from: recoveryKeyPath)
        } catch {
            throw RecoveryKeyError(path: error.path, reason: .installedBroken(error.reason))
        }
    }

    /// Installs `key` as the recovery key (atomic replace, mode 0600). Returns the key it replaced.
    @discardableResult
    public func installRecoveryKey(_ key: RecoveryPublicKey) throws -> RecoveryPublicKey? {
        let previous = try? recoveryKey()
        try files().replace(recoveryKeyPath, with: key.fileBytes, newFileMode: 0o600)
        return previous ?? nil
    }
}

/// Why a recovery key file cannot be used. Names the file, never its contents.
///
/// Exit status 78 (invalid input) for a malformed file or the wrong half; 77 when the file cannot
/// be read for lack of permission; 78 for a missing file.
public struct RecoveryKeyError: RekeyError, Equatable {
    public indirect enum Reason: Sendable, Equatable {
        case missing
        case unreadable(errno: Int32)
        case malformed(expected: String)
        case privateGivenAsPublic
        case publicGivenAsPrivate
        /// The installed `recovery.pub` is broken.
        case installedBroken(Reason)
    }

    public let path: String
    public let reason: Reason

    public var exitStatus: ExitStatus {
        switch reason {
        case .unreadable(let code) where code == EACCES || code == EPERM: .noPermission
        case .installedBroken(.unreadable(let code)) where code == EACCES || code == EPERM: .noPermission
        default: .config
        }
    }

    public var description: String { Self.describe(reason, path: path) }

    private static func describe(_ reason: Reason, path: String) -> String {
        switch reason {
        case .missing:
            return "no recovery key file at \(path); make a pair with rekey key recovery-keypair"
        case .unreadable(let code):
            return "cannot read recovery key file \(path): \(String(cString: strerror(code))); check its permissions"
        case .malformed(let expected):
            return "\(path) is not a rekey recovery \(expected) key (expected one line 'rekey-recovery-\(expected)-v1:' and 64 hex digits); check the path"
        case .privateGivenAsPublic:
            return "\(path) is a recovery PRIVATE key; give the public half here, and keep the private half off this host"
        case .publicGivenAsPrivate:
            return "\(path) is a recovery public key; give the private half (made by rekey key recovery-keypair --private-out)"
        case .installedBroken(let inner):
            return "the installed recovery key is unusable: " + describe(inner, path: path)
                + "; install a good one with rekey key set-recovery PUBLIC_KEY_FILE"
        }
    }

    /// The whole file (at most 4 KiB) as a secret.
    static func reading(_ path: String) throws(RecoveryKeyError) -> SecretBytes {
        var info = stat()
        // Key files are regular files of a few dozen bytes; a device or pipe (/dev/zero) is refused
        // before reading, since it could be read without end.
        if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG || info.st_size > 4096 {
            throw RecoveryKeyError(path: path, reason: .malformed(expected: "key"))
        }
        do throws(FileError) {
            return try AtomicFile.readSecret(path)
        } catch {
            throw RecoveryKeyError(path: path, reason: error.errno == ENOENT ? .missing : .unreadable(errno: error.errno))
        }
    }
}

/// Parsing helpers for the one-line key files.
enum RecoveryKeyFile {
    static func hasPrefix(_ raw: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Bool {
        raw.count >= prefix.count && raw.prefix(prefix.count).elementsEqual(prefix)
    }

    /// The length without trailing spaces, tabs, CR and LF.
    static func trimmedCount(_ raw: UnsafeRawBufferPointer) -> Int {
        var count = raw.count
        while count > 0, [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n")].contains(raw[count - 1]) {
            count -= 1
        }
        return count
    }

    /// Exactly 64 hex digits → 32 bytes.
    static func decodeHex(_ hex: SecretBytes, path: String, half: String) throws(RecoveryKeyError) -> SecretBytes {
        let out = SecretBytes(count: RecoveryPublicKey.byteCount)
        guard hex.count == 2 * RecoveryPublicKey.byteCount else { throw RecoveryKeyError(path: path, reason: .malformed(expected: half)) }
        var written = 0
        var end: UnsafePointer<CChar>?
        let status = out.withUnsafeMutableBytes { bin in
            hex.withUnsafeBytes { text in
                sodium_hex2bin(bin.baseAddress!.assumingMemoryBound(to: UInt8.self), bin.count,
                               text.baseAddress!.assumingMemoryBound(to: CChar.self), text.count, nil, &written, &end)
            }
        }
        guard status == 0, written == RecoveryPublicKey.byteCount else { throw RecoveryKeyError(path: path, reason: .malformed(expected: half)) }
        return out
    }
}
