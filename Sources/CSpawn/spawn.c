#define _GNU_SOURCE
#include "diarium_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/// Closes every descriptor from `first` up: close_range(2) where the kernel has it, else a loop
/// up to the descriptor limit (getrlimit and close are async-signal-safe).
static void close_from(int first) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)first, ~0U, 0) == 0) return;
#endif
    struct rlimit rl;
    long max = 65536;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 1048576) max = (long)rl.rlim_cur;
    for (long fd = first; fd < max; fd++) close((int)fd);
}

static void set_limit(int resource, unsigned long long value) {
    struct rlimit rl = { (rlim_t)value, (rlim_t)value };
    setrlimit(resource, &rl);
}

int diarium_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                  int stdin_fd, int stdout_fd, int stderr_fd,
                  diarium_spawn_limits limits, pid_t *pid) {
    // The child reports a failed chdir/exec through this pipe; exec closes it on success.
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;

    // vfork on Linux: the child borrows the parent's memory until it execs, so starting a
    // program costs no copy of the parent's page tables (with fork, copying and then unmapping
    // them was about a sixth of a PDF ingest's CPU). The calling thread waits meanwhile; the
    // other threads run on. All signals are blocked around it, and the child sets every handler
    // to the default before it unblocks them, so no handler of the parent ever runs in the child
    // on the parent's memory (as glibc's posix_spawn does). The child changes only its own
    // descriptor table, limits, group and directory (vfork shares none of those).
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
#ifdef __linux__
    pid_t child = vfork();
#else
    pid_t child = fork();
#endif
    if (child < 0) {
        int e = errno;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        close(report[0]);
        close(report[1]);
        return e;
    }
    if (child == 0) {
        // Only async-signal-safe system calls from here to exec; nothing of the parent's
        // memory is written but errno.
        for (int sig = 1; sig < NSIG; sig++) {
            struct sigaction sa;
            if (sigaction(sig, NULL, &sa) != 0) continue;
            if (sa.sa_handler != SIG_DFL && (sa.sa_handler != SIG_IGN || sig == SIGPIPE)) {
                struct sigaction dfl;
                memset(&dfl, 0, sizeof dfl);
                dfl.sa_handler = SIG_DFL;
                sigaction(sig, &dfl, NULL);
            }
        }
        setpgid(0, 0);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        // Move the report pipe out of 0…2 before dup2 may overwrite it.
        int rep = report[1];
        if (rep <= 2) { rep = fcntl(rep, F_DUPFD_CLOEXEC, 3); }
        if (dup2(stdin_fd, 0) < 0 || dup2(stdout_fd, 1) < 0 || dup2(stderr_fd, 2) < 0) goto fail;
        if (rep != 3) {
            if (dup2(rep, 3) < 0) goto fail;
            rep = 3;
        }
        fcntl(rep, F_SETFD, FD_CLOEXEC);
        close_from(4);
        if (limits.address_space) set_limit(RLIMIT_AS, limits.address_space);
        if (limits.cpu_seconds) set_limit(RLIMIT_CPU, limits.cpu_seconds);
        set_limit(RLIMIT_FSIZE, limits.file_size);
        set_limit(RLIMIT_CORE, 0);
        if (cwd && chdir(cwd) != 0) goto fail;
        execve(path, argv, envp);
    fail:;
        int e = errno;
        ssize_t w = write(rep, &e, sizeof e);
        (void)w;
        _exit(127);
    }

    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(report[1]);
    // Also put the child in its own group from the parent's side, so a kill of the group
    // cannot race the child's own setpgid.
    setpgid(child, child);
    int childErrno = 0;
    ssize_t n;
    do { n = read(report[0], &childErrno, sizeof childErrno); } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof childErrno) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        return childErrno ? childErrno : ENOEXEC;
    }
    *pid = child;
    return 0;
}

int diarium_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC) == 0 ? 0 : errno;
}
