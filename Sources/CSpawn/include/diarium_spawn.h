#ifndef DIARIUM_SPAWN_H
#define DIARIUM_SPAWN_H

#include <sys/types.h>

/// Limits applied in the child between fork and exec. A value of 0 leaves that limit alone.
typedef struct {
    /// RLIMIT_AS: bytes of address space.
    unsigned long long address_space;
    /// RLIMIT_CPU: seconds of processor time (a backstop behind the parent's wall-clock limit).
    unsigned long long cpu_seconds;
    /// RLIMIT_FSIZE: bytes a file the child writes may reach (pipes are not files; 0 = none
    /// may be written, which is what diarium wants — so this field is always applied).
    unsigned long long file_size;
} diarium_spawn_limits;

/// Forks and executes `path` (absolute) with `argv` and `envp` (NULL-terminated) in its own
/// process group, in directory `cwd`, with `stdin_fd`, `stdout_fd`, `stderr_fd` as descriptors
/// 0, 1, 2, every other descriptor closed, and `limits` applied. The child runs only
/// async-signal-safe calls before exec, so this is safe from a multithreaded process.
/// Returns 0 and sets `*pid`, or an errno value: the fork's, or the child's chdir/exec failure
/// (the child then exits and has been reaped).
int diarium_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                  int stdin_fd, int stdout_fd, int stderr_fd,
                  diarium_spawn_limits limits, pid_t *pid);

/// pipe2(fds, O_CLOEXEC): a pipe whose ends are not inherited by any child. Returns 0 or errno.
int diarium_pipe_cloexec(int fds[2]);

#endif
