/// Puts known bytes back into a consumer's file, atomically, through its directory descriptor
/// (`TargetFile`), and proves it by reading the file back and checking its SHA-256. The one restore
/// that compensation, recover and rollback use. A file swapped under it (a symlink included) is
/// never written through: the restore fails and says where the backup is.
public enum Restore {
    public static func file(_ target: TargetFile, with bytes: SecretBytes, expectedSHA256: String, backup: String?) throws(RestoreFailed) {
        let restored: SecretBytes
        CrashPoint.reach("restore-before-write", file: target.path)
        do {
            try target.replace(with: bytes)
            restored = try target.read()
        } catch {
            let reason = (error as? any RekeyError)?.description ?? "\(type(of: error))"
            throw RestoreFailed(path: target.path, backup: backup, reason: reason)
        }
        guard Digest.sha256Hex(restored) == expectedSHA256 else {
            throw RestoreFailed(path: target.path, backup: backup, reason: "the restored bytes do not match the expected sha256")
        }
    }
}
