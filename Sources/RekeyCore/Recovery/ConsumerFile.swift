import Foundation

/// Whether a consumer's file still holds a token: the question asked before any token is deleted.
/// The answer errs towards "holds": the token's bytes anywhere in the file count (a second copy of
/// the key, a hand edit), and a file that cannot be read is no answer at all, so nothing is deleted.
public enum ConsumerFile {
    public struct CannotTell: RekeyError {
        public var path: String
        public var reason: String
        public var exitStatus: ExitStatus { .rollbackFailed }
        public var description: String {
            "cannot tell whether \(path) still holds the run's token (\(reason)), so the token was kept; fix access to the file, then run rekey recover"
        }
    }

    /// True when the file contains `token`'s bytes; false when it does not, or does not exist.
    /// Throws `CannotTell` when the file exists but cannot be read (or is no longer the file rekey opened).
    public static func holds(_ token: SecretBytes, in target: TargetFile) throws(CannotTell) -> Bool {
        guard target.exists else { return false }
        let contents: SecretBytes
        do {
            contents = try target.read()
        } catch {
            throw CannotTell(path: target.path, reason: (error as? any RekeyError)?.description ?? "\(type(of: error))")
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
