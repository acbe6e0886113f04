#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A test seam for crash tests: named points in the code where a test can make the process die
/// abruptly, as a power cut or `kill -9` would, to prove that what is on disk afterwards is safe.
///
/// Set the environment variable `REKEY_TEST_CRASH_AT` to one point's name (or several, separated
/// by commas) and the process raises `SIGKILL` when it reaches that point. Nothing is flushed or
/// cleaned up, exactly like a real crash. Unset (the normal case), a point costs one `getenv`.
///
/// Points defined by the storage layer:
/// - `atomic-after-temp-write`: `AtomicFile.replace` has written and fsynced the temp file next to
///   the target, but not renamed it: the target still holds the old bytes and a temp file
///   `.<name>.rekey-tmp.<hex>` is left beside it.
/// - `atomic-after-rename`: the temp file has been renamed over the target, the directory is not
///   yet fsynced: the target holds the new bytes, no temp file is left.
/// - `create-exclusive-after-write`: `AtomicFile.createExclusive` has written and fsynced the new
///   file but not fsynced its directory.
///
/// Other layers add their own names; each is documented where it is reached.
public enum CrashPoint {
    public static let environmentVariable = "REKEY_TEST_CRASH_AT"

    /// Dies with `SIGKILL` if `REKEY_TEST_CRASH_AT` names `point`; returns otherwise.
    public static func reach(_ point: String) {
        guard let raw = getenv(environmentVariable) else { return }
        let names = String(cString: raw).split(separator: ",").map { $0.trimmingSpaces }
        if names.contains(where: { $0 == point }) {
            raise(SIGKILL)
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
