/// Puts known bytes back into a consumer's file, atomically, and proves it by reading the file
/// back and checking its SHA-256. The one restore that compensation, recover and rollback use.
public enum Restore {
    public static func file(_ path: String, with bytes: SecretBytes, expectedSHA256: String, backup: String?) throws(RestoreFailed) {
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
}
