import Foundation

/// The consumer's env file, as every operation touches it: validate's read, rewrite's re-check and
/// write, compensation's restore, recover's and rollback's checks and restores, and the removal of
/// temp files an interrupted replace left beside it. Every access goes through this one object,
/// backed by one `TargetFile`: a descriptor of the file's directory, opened once (`open`), so the
/// path is never resolved again and a file or symlink swapped in later is refused, never followed.
/// A run keeps one in its context and validate opens it; recover and rollback make one for the file
/// a journal names and open it right after taking the file lock.
public final class ConsumerFile: @unchecked Sendable {
    public let path: String
    private let allowMissing: Bool
    private var handle: TargetFile?

    /// A file not yet opened. With `allowMissing`, a file that no longer exists opens as "missing"
    /// (it holds nothing; a restore creates it): recovery of a file someone removed.
    public init(path: String, allowMissing: Bool = false) {
        self.path = path
        self.allowMissing = allowMissing
    }

    /// Opens the file through its directory, refusing what is unsafe to rotate (`UnsafeEnvFile`,
    /// exit 65). Once opened, every later call reuses the same handle; calling it again does nothing.
    public func open() throws(UnsafeEnvFile) {
        _ = try opened()
    }

    /// The one handle; the methods below open it on first use only where no caller did.
    private func opened() throws(UnsafeEnvFile) -> TargetFile {
        if let handle { return handle }
        let opened = try TargetFile.open(path, allowMissing: allowMissing)
        handle = opened
        return opened
    }

    /// A warning people should see (a world-readable file), once opened.
    public var warning: String? { handle?.warning }

    /// Whether a replace or restore of rekey's may have renamed a new file over this one: a
    /// refusal before the rename (the file changed under rekey) leaves nothing to restore.
    public var hasReplaced: Bool { handle?.hasReplaced ?? false }

    /// Proves that the file's directory takes a temp file (validate, before anything is minted).
    public func proveWritable() throws {
        try opened().proveWritable()
    }

    /// The file's bytes; a failure is about the env file (exit 65), not rekey's state. Throws
    /// `EnvFileChanged` when the name no longer holds the file that was opened.
    public func read() throws -> SecretBytes {
        try opened().read()
    }

    /// The file's bytes, or nil when they cannot be read (a question, not a step that needs them).
    public func readIfPossible() -> SecretBytes? { try? read() }

    /// Replaces the file's bytes atomically, through the directory descriptor (owner, mode, ACL and
    /// security attributes kept; the name re-checked right before the rename).
    public func replace(with bytes: SecretBytes) throws {
        try opened().replace(with: bytes)
    }

    /// Puts known bytes back, atomically, and proves it by reading the file back and checking its
    /// SHA-256: the one restore that compensation, recover and rollback use. A file swapped under it
    /// (a symlink included) is never written through: the restore fails (82) and says where the backup is.
    public func restore(_ bytes: SecretBytes, expectedSHA256: String, backup: String?) throws(RestoreFailed) {
        let restored: SecretBytes
        CrashPoint.reach("restore-before-write", file: path)
        do {
            try replace(with: bytes)
            restored = try read()
        } catch {
            throw RestoreFailed(path: path, backup: backup, reason: Self.describe(error))
        }
        guard Digest.sha256Hex(restored) == expectedSHA256 else {
            throw RestoreFailed(path: path, backup: backup, reason: "the restored bytes do not match the expected sha256")
        }
    }

    /// Temp files that an interrupted replace left next to the file (`.<name>.rekey-tmp.<hex>`),
    /// removed through the directory descriptor; they may hold a new token in plaintext, and rekey
    /// never leaves a secret anywhere but the consumer's own file. When the file itself is refused
    /// (hard-linked, world-writable, not a regular file), its trusted directory is still cleaned;
    /// nothing when even the directory cannot be trusted.
    public func removeTempLeftovers() -> [String] {
        if let handle = try? opened() { return handle.removeTempLeftovers() }
        return TargetFile.removeTempLeftovers(besides: path)
    }

    public struct CannotTell: RekeyError {
        public var path: String
        public var reason: String
        public var exitStatus: ExitStatus { .rollbackFailed }
        public var description: String {
            "cannot tell whether \(path) still holds the run's token (\(reason)), so the token was kept; fix access to the file, then run rekey recover"
        }
    }

    /// Whether the file still holds `token`: the question asked before any token is deleted. The
    /// answer errs towards "holds": the token's bytes anywhere in the file count (a second copy of
    /// the key, a hand edit), and a file that exists but cannot be read (or is no longer the file
    /// rekey opened) is no answer (`CannotTell`), so nothing is deleted. A file that does not exist
    /// holds nothing.
    public func holds(_ token: SecretBytes) throws(CannotTell) -> Bool {
        let contents: SecretBytes
        do {
            let handle = try opened()
            guard handle.exists else { return false }
            contents = try handle.read()
        } catch {
            throw CannotTell(path: path, reason: Self.describe(error))
        }
        guard !token.isEmpty else { return false }
        return contents.withUnsafeBytes { haystack in
            token.withUnsafeBytes { needle in
                guard haystack.count >= needle.count else { return false }
                // Env files are small: a plain scan is fast enough and keeps the bytes in place.
                for start in 0...(haystack.count - needle.count)
                where haystack[start] == needle[0] && memcmp(haystack.baseAddress! + start, needle.baseAddress!, needle.count) == 0 {
                    return true
                }
                return false
            }
        }
    }

    private static func describe(_ error: any Error) -> String {
        (error as? any RekeyError)?.description ?? "\(type(of: error))"
    }
}
