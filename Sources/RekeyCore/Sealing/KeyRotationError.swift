/// Why `rekey key rotate` (or a command refusing to run during one) stopped. Never holds key bytes;
/// key ids (first 8 bytes of BLAKE2b-256 of a key) are not secret and are shown to tell keys apart.
///
/// Exit status: 75 while a rotation or another rekey command is in the way (try again after it),
/// 75 for an unfinished rotation (rerun `rekey key rotate`), 77 for a key rekey may not replace or a
/// blob sealed under a third key, 73 for a missing state directory, 78 for a state file that is
/// not what rekey writes there.
public struct KeyRotationError: RekeyError, Equatable {
    public enum Reason: Sendable, Equatable {
        /// A rotation holds the state lock: other commands must wait.
        case rotationRunning
        /// `<key>.next` exists: a rotation was interrupted and must be completed first.
        case unfinished(nextKeyPath: String)
        /// Another rekey command holds the state lock: the rotation must wait.
        case stateBusy
        /// A consumer's run holds its lock.
        case consumerBusy(String)
        /// The key comes from systemd's credentials directory, which rekey does not own.
        case credentialsKey(directory: String)
        /// The state directory does not exist.
        case noStateDirectory
        /// A blob sealed under neither the current nor the new key.
        case foreignKey(file: String, found: String, current: String, new: String)
        /// `<key>.next` is shorter than a key: its write never completed, so nothing uses it.
        case nextKeyIncomplete(nextKeyPath: String, size: Int)
        /// Something other than a regular file where rekey keeps sealed files.
        case notRegularFile(String)
        /// A blob was written under the old key while the rotation ran.
        case changedDuringRotation(String)
    }

    /// The state directory or key file the error is about.
    public let path: String
    public let reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var exitStatus: ExitStatus {
        switch reason {
        case .rotationRunning, .unfinished, .stateBusy, .consumerBusy, .changedDuringRotation: .busy
        case .credentialsKey, .foreignKey: .noPermission
        case .noStateDirectory: .cantCreate
        case .nextKeyIncomplete, .notRegularFile: .config
        }
    }

    public var description: String {
        switch reason {
        case .rotationRunning:
            return "a master key rotation is running on state directory \(path); wait for it to finish, then try again"
        case .unfinished(let next):
            return "a master key rotation is unfinished; run rekey key rotate to complete it (the new key waits in \(next))"
        case .stateBusy:
            return "another rekey command (a run, recover or vault change) is using state directory \(path); "
                + "wait for it to finish, then run rekey key rotate again"
        case .consumerBusy(let consumer):
            return "consumer \(consumer) is being rotated by another rekey process; wait for it to finish, then run rekey key rotate again"
        case .credentialsKey(let directory):
            return "the master key comes from systemd's credentials directory \(directory), which rekey cannot change; "
                + "stop the service, run rekey key rotate --key-file on the key file that LoadCredential= names "
                + "(for LoadCredentialEncrypted=, rotate a decrypted 0600 copy and encrypt the result with systemd-creds encrypt), "
                + "install the new key, then start the service"
        case .noStateDirectory:
            return "state directory \(path) does not exist; run rekey init, or point --state-dir at the directory this key seals"
        case .foreignKey(let file, let found, let current, let new):
            return "sealed file \(file) was sealed under key id \(found), neither the current key (\(current)) nor the new key (\(new)); "
                + "move it out of the state directory or restore the key it needs, then run rekey key rotate again"
        case .nextKeyIncomplete(let next, let size):
            return "the new key of an unfinished rotation, \(next), holds \(size) bytes, not 32: its write never completed, "
                + "so nothing was sealed with it; remove it and run rekey key rotate again"
        case .notRegularFile(let file):
            return "\(file) is not a regular file, and rekey keeps only sealed files there; move it out of \(path), then run rekey key rotate again"
        case .changedDuringRotation(let file):
            return "\(file) was sealed under the old key while the rotation ran; run rekey key rotate again to finish"
        }
    }
}
