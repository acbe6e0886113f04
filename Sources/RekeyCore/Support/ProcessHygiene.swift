#if canImport(Glibc)
import Glibc
#endif
import CLinux

/// What rekey does to its own process before anything else, so that secrets cannot leave it
/// through a core dump or a debugger: `prctl(PR_SET_DUMPABLE, 0)` (no core dump, no ptrace by
/// other users, `/proc/PID` owned by root) and `RLIMIT_CORE` 0, soft and hard. Secrets themselves
/// live in `sodium_malloc` memory, excluded from dumps as well (`SecretBytes`).
public enum ProcessHygiene {
    /// Applies both settings; returns a one-line problem when one of them failed (the caller stops).
    public static func harden() -> String? {
        if rekey_disable_core_files() != 0 {
            return "cannot turn core dumps off (setrlimit RLIMIT_CORE): \(String(cString: strerror(errno)))"
        }
        if rekey_set_dumpable(0) != 0 {
            return "cannot mark the process non-dumpable (prctl PR_SET_DUMPABLE): \(String(cString: strerror(errno)))"
        }
        return nil
    }

    /// Whether the process may dump core (`PR_GET_DUMPABLE` is not 0).
    public static var isDumpable: Bool { rekey_get_dumpable() != 0 }
}
