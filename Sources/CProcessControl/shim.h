// Linux process calls Swift cannot reach directly (variadic `syscall`, `prctl` and `mallopt`), and `epoll`,
// which Glibc's module does not bring in.
#pragma once
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/// A descriptor that becomes readable when process `pid` ends; -1 with errno set when the
/// kernel has no pidfd (before 5.3).
static inline int vitals_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

/// Makes orphaned descendants be re-parented to this process rather than to PID 1.
static inline int vitals_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

#if defined(__GLIBC__)
#include <malloc.h>
#endif

/// Fixes the size from which glibc gives an allocation a mapping of its own, returned to the
/// system when freed. Left alone, glibc raises that size to the largest such block freed (up to
/// 32 MiB), after which blocks that large come from the heap and their pages stay after use.
/// Does nothing with other C libraries.
static inline void vitals_fix_mmap_threshold(int bytes) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, bytes);
#endif
}
