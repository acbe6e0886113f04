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
/// - `atomic-after-temp-write`: `AtomicFile.replace` or `TargetFile.replace` has written and
///   fsynced the temp file next to the target, but not checked the target's inode nor renamed it: the target still holds the old bytes and a temp file
///   `.<name>.rekey-tmp.<hex>` is left beside it.
/// - `atomic-after-rename`: the temp file has been renamed over the target, the directory is not
///   yet fsynced: the target holds the new bytes, no temp file is left.
/// - `create-exclusive-after-write`: `AtomicFile.createExclusive` has written and fsynced the new
///   file but not fsynced its directory.
/// - `restore-before-write`: `ConsumerFile.restore` is about to replace the env file with known bytes.
///
/// Points defined by the engine and steps:
/// - `after-<step>` (`after-validate`, `after-backup`, `after-mint`, `after-rewrite`, `after-probe`):
///   the step has done its work and journaled it; the next step has not started.
/// - `mint-before-request`: the `minting` record (with the token's name) is down, the request not sent.
/// - `rollback-after-intent`, `rollback-after-restore`, `rollback-before-done`: see `Rollback`.
///
/// Points defined by `KeyRotation` (`rekey key rotate`):
/// - `key-rotate-after-blob-<n>`: the n-th sealed file (from 1, in the order vault entries, backups,
///   journals, inventory, names sorted) holds only new-key blobs; `<key>.next` holds the new key and
///   the key file still the old one.
/// - `key-rotate-before-install`: every blob is under the new key; the key file still holds the old one.
/// - `key-rotate-after-install`: `<key>.next` has been renamed over the key file, directory fsynced.
///
/// Other layers add their own names; each is documented where it is reached.
/// Test pauses use the same points: with `REKEY_TEST_PAUSE_AT` naming a point (same matching) and
/// `REKEY_TEST_PAUSE_FILE` a path, the process creates that file (holding the point's name) each
/// time it reaches the point, and waits until the test removes it (at most 60 s). The swap tests
/// use it to change the env file at an exact instant.
///
/// Both exist only in debug (test) builds: a release build compiles every `reach` to nothing.
public enum CrashPoint {
    public static let environmentVariable = "REKEY_TEST_CRASH_AT"
    public static let pauseVariable = "REKEY_TEST_PAUSE_AT"
    public static let pauseFileVariable = "REKEY_TEST_PAUSE_FILE"

    /// Dies with `SIGKILL` if `REKEY_TEST_CRASH_AT` names `point`; returns otherwise.
    ///
    /// A point reached while writing a file (`file:` given) also matches `point:<basename>`, so a
    /// test can aim at one file: `atomic-after-temp-write:all-credentials.env` kills the process in
    /// the middle of replacing the env file and not while writing rekey's own state.
    @inline(__always)
    public static func reach(_ point: String, file: String? = nil) {
        #if DEBUG
        if matches(environmentVariable, point: point, file: file) { raise(SIGKILL) }
        if matches(pauseVariable, point: point, file: file), let marker = getenv(pauseFileVariable) {
            pause(at: point, marker: String(cString: marker))
        }
        #endif
    }

    #if DEBUG
    private static func matches(_ variable: String, point: String, file: String?) -> Bool {
        guard let raw = getenv(variable) else { return false }
        let names = String(cString: raw).split(separator: ",").map { $0.trimmingSpaces }
        let qualified = file.map { point + ":" + ($0.split(separator: "/").last.map(String.init) ?? $0) }
        return names.contains(where: { name in name == point || (qualified.map { name == $0 } ?? false) })
    }

    private static func pause(at point: String, marker: String) {
        let fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = point.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
        for _ in 0..<6000 where access(marker, F_OK) == 0 { usleep(10_000) }
    }
    #endif
}

#if DEBUG
extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
#endif
