#ifndef REKEY_CLINUX_SHIM_H
#define REKEY_CLINUX_SHIM_H
// Linux calls Swift's Glibc module does not bring: extended attributes (<sys/xattr.h>), and
// prctl(2), which is variadic and so cannot be called from Swift: these wrappers fix its arguments.
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/xattr.h>

/// prctl(PR_SET_DUMPABLE, value): 0 forbids core dumps and ptrace by non-root users, and makes /proc/PID root-owned.
static inline int rekey_set_dumpable(int value) { return prctl(PR_SET_DUMPABLE, value, 0, 0, 0); }

/// prctl(PR_GET_DUMPABLE).
static inline int rekey_get_dumpable(void) { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0); }

/// setrlimit(RLIMIT_CORE, {0, 0}): no core file, whatever the process does later.
static inline int rekey_disable_core_files(void) {
    struct rlimit none = { 0, 0 };
    return setrlimit(RLIMIT_CORE, &none);
}

/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34+), which Swift's Glibc module leaves out:
/// the child gets no descriptor above `from`. Used by the test support's process runner.
int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
static inline int rekey_spawn_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}
#endif
