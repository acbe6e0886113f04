/// Why a sealed file does not open. Names the file and what is wrong with it, never its contents.
///
/// Exit status 77 when the file was sealed under another master key (a permission matter: the
/// key you hold is not the one it needs); 78 for every other case (the file is not what the
/// configuration says it is: truncated, foreign, moved, or tampered with).
public struct SealError: RekeyError, Equatable {
    public enum Reason: Sendable, Equatable {
        /// Shorter than its header says it must be.
        case truncated(size: Int)
        /// Does not start with "RKY".
        case notABlob
        /// "RKY" followed by a version this rekey does not read.
        case unknownVersion(UInt8)
        /// A blob of another kind, e.g. a vault entry opened as a backup. `found` is the raw byte.
        case wrongKind(expected: BlobKind, found: UInt8)
        /// Sealed under another master key: the key ids differ.
        case wrongKey(loaded: [UInt8], sealedWith: [UInt8])
        /// Sealed for another context: a backup copied to another consumer or path, a vault entry
        /// renamed. Contexts are not secret.
        case contextMismatch(expected: String, found: String)
        /// The AEAD tag does not verify: the file was modified or corrupted.
        case authenticationFailed
    }

    /// The file (or other source) the blob came from, as shown to the user.
    public let source: String
    public let reason: Reason

    public init(source: String, reason: Reason) {
        self.source = source
        self.reason = reason
    }

    public var exitStatus: ExitStatus {
        if case .wrongKey = reason { return .noPermission }
        return .config
    }

    public var description: String {
        switch reason {
        case .truncated(let size):
            return "sealed file \(source) is truncated (\(size) bytes); restore it from a copy"
        case .notABlob:
            return "\(source) is not a rekey sealed file (bad magic); check the path"
        case .unknownVersion(let version):
            return "sealed file \(source) uses format version \(version), this rekey reads version 1; use a newer rekey"
        case .wrongKind(let expected, let found):
            let foundNoun = BlobKind(rawValue: found)?.noun ?? "an unknown kind (\(found))"
            return "sealed file \(source) holds \(foundNoun), not \(expected.noun); check the path"
        case .wrongKey(let loaded, let sealedWith):
            return "sealed file \(source) was sealed under another master key (key id \(Digest.hex(sealedWith)), "
                + "the loaded key is \(Digest.hex(loaded))); use the master key it was sealed with"
        case .contextMismatch(let expected, let found):
            return "sealed file \(source) belongs to '\(found)', not '\(expected)'; it was moved or copied from elsewhere, put it back or use the right one"
        case .authenticationFailed:
            return "sealed file \(source) failed authentication: it was modified or corrupted; restore it from a copy"
        }
    }
}
