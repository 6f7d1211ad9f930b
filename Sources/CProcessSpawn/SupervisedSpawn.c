#define _GNU_SOURCE
#include "CProcessSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/// close_range(2) from `first` on, else close(2) one by one up to the descriptor limit.
static void close_from(int first, int last) {
    if (first > last) return;
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)first, (unsigned)last, 0u) == 0) return;
#endif
    long limit = sysconf(_SC_OPEN_MAX);
    if (limit < 0 || limit > 1 << 20) limit = 1 << 20;
    for (long fd = first; fd <= last && fd < limit; fd++) close((int)fd);
}

static int write_all(int fd, const void *bytes, size_t count) {
    const char *cursor = bytes;
    while (count > 0) {
        ssize_t written = write(fd, cursor, count);
        if (written < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        cursor += written;
        count -= (size_t)written;
    }
    return 0;
}

/// The step: runs only between fork and exec.
static void run_step(const char *path, char *const argv[], char *const envp[], pid_t supervisor) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != supervisor) _exit(127);
    setpgid(0, 0);
    struct sigaction dfl = {0};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(path, argv, envp);
    _exit(127);
}

/// The supervisor: runs in the forked child, never returns.
static void supervise(
    const char *path, char *const argv[], char *const envp[], int in, int out, int err, int status_fd, pid_t caller) {
    // Every signal stays blocked (inherited); the caller's death arrives as SIGUSR2.
    struct sigaction dfl = {0};
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGCHLD, &dfl, NULL);  // an ignored SIGCHLD would reap the step before it can be waited for
    sigaction(SIGUSR2, &dfl, NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGUSR2) != 0) _exit(127);
    int caller_gone = getppid() != caller;
    // Standard descriptors first (a source may itself be 0, 1 or 2), then nothing else but the status pipe.
    int moved[3] = {fcntl(in, F_DUPFD_CLOEXEC, 3), fcntl(out, F_DUPFD_CLOEXEC, 3), fcntl(err, F_DUPFD_CLOEXEC, 3)};
    if (moved[0] < 0 || moved[1] < 0 || moved[2] < 0) _exit(127);
    for (int fd = 0; fd < 3; fd++) {
        if (dup2(moved[fd], fd) < 0) _exit(127);
    }
    int status_copy = fcntl(status_fd, F_DUPFD_CLOEXEC, 3);
    if (status_copy < 0 || dup2(status_copy, 3) < 0) _exit(127);
    close_from(4, ~0U >> 1);
    fcntl(3, F_SETFD, FD_CLOEXEC);

    pid_t self = getpid();
    pid_t step = fork();
    if (step == 0) run_step(path, argv, envp, self);
    int report = step < 0 ? -errno : step;
    if (step > 0) setpgid(step, step);  // also here, so no signal to the group can come before it exists
    write_all(3, &report, sizeof report);
    close(3);
    close(0);
    close(1);
    close(2);
    if (step < 0) _exit(127);
    if (caller_gone) kill(-step, SIGKILL);

    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGCHLD);
    sigaddset(&wanted, SIGUSR2);
    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&wanted, &info);
        if (sig == SIGUSR2 && getppid() != caller) kill(-step, SIGKILL);
        if (sig != SIGCHLD && sig != SIGUSR2) continue;
        siginfo_t ended = {0};
        if (waitid(P_PID, (id_t)step, &ended, WEXITED | WNOHANG | WNOWAIT) != 0 || ended.si_pid != step) continue;
        // The step is a zombie: its process group id is still its own. Kill what is left, then reap.
        kill(-step, SIGKILL);
        int status = 0;
        while (waitpid(step, &status, 0) < 0 && errno == EINTR) {}
        if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
        _exit(128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0));
    }
}

int c8s_supervised_spawn(
    const char *path, char *const argv[], char *const envp[], int stdin_fd, int stdout_fd, int stderr_fd,
    pid_t *supervisor, pid_t *group) {
    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) != 0) return errno;
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t caller = getpid();
    pid_t child = fork();
    if (child == 0) {
        close(status_pipe[0]);
        supervise(path, argv, envp, stdin_fd, stdout_fd, stderr_fd, status_pipe[1], caller);
    }
    int fork_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    close(status_pipe[1]);
    if (child < 0) {
        close(status_pipe[0]);
        return fork_error;
    }
    int report = 0;
    size_t got = 0;
    while (got < sizeof report) {
        ssize_t n = read(status_pipe[0], (char *)&report + got, sizeof report - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(status_pipe[0]);
    if (got < sizeof report || report <= 0) {
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
        return got < sizeof report ? ECHILD : -report;
    }
    *supervisor = child;
    *group = report;
    return 0;
}

int c8s_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC) == 0 ? 0 : errno;
}
