import Foundation

/// The consumer's env file, as every operation touches it: validate's read, rewrite's re-check and
/// write, compensation's restore, recover's and rollback's checks and restores, and the removal of
/// temp files an interrupted replace left beside it. Every access goes through this one object, so
/// a safer way to reach the file (a descriptor opened once, re-checked before the rename) plugs in
/// here. A run keeps one in its context; recover and rollback make one for the file a journal names.
public final class ConsumerFile: @unchecked Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The file's bytes; a failure is about the env file (exit 65), not rekey's state.
    public func read() throws(EnvFileUnreadable) -> SecretBytes {
        do {
            return try AtomicFile.readSecret(path)
        } catch {
            throw EnvFileUnreadable(path: path, reason: error.reason)
        }
    }

    /// The file's bytes, or nil when it cannot be read (a question, not a step that needs them).
    public func readIfPossible() -> SecretBytes? { try? AtomicFile.readSecret(path) }

    /// Replaces the file's bytes atomically (owner and mode kept; through a symlink, the target).
    public func replace(with bytes: SecretBytes) throws(FileError) {
        try AtomicFile.replace(path, with: bytes)
    }

    /// Puts known bytes back, atomically, and proves it by reading the file back and checking its
    /// SHA-256: the one restore that compensation, recover and rollback use.
    public func restore(_ bytes: SecretBytes, expectedSHA256: String, backup: String?) throws(RestoreFailed) {
        let restored: SecretBytes
        do throws(FileError) {
            try AtomicFile.replace(path, with: bytes)
            restored = try AtomicFile.readSecret(path)
        } catch {
            throw RestoreFailed(path: path, backup: backup, reason: error.description)
        }
        guard Digest.sha256Hex(restored) == expectedSHA256 else {
            throw RestoreFailed(path: path, backup: backup, reason: "the restored bytes do not match the expected sha256")
        }
    }

    /// Temp files that an interrupted atomic replace left next to the file
    /// (`.<name>.rekey-tmp.<hex>`, see `AtomicFile`), removed; they may hold a new token in
    /// plaintext, and rekey never leaves a secret anywhere but the consumer's own file.
    public func removeTempLeftovers() -> [String] {
        guard let target = try? AtomicFile.resolveFinalTarget(path) else { return [] }
        let directory = (target as NSString).deletingLastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed: [String] = []
        for name in names where AtomicFile.isTempName(name, for: target) {
            let full = directory + "/" + name
            if (try? AtomicFile.remove(full)) != nil { removed.append(full) }
        }
        return removed
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
    /// the key, a hand edit), and a file that exists but cannot be read is no answer (`CannotTell`),
    /// so nothing is deleted. A file that no longer exists holds nothing.
    public func holds(_ token: SecretBytes) throws(CannotTell) -> Bool {
        let contents: SecretBytes
        do {
            contents = try AtomicFile.readSecret(path)
        } catch {
            if error.errno == ENOENT { return false }
            throw CannotTell(path: path, reason: error.reason)
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
}
