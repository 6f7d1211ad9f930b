#ifndef C8S_PROCESS_SPAWN_H
#define C8S_PROCESS_SPAWN_H

#include <sys/types.h>

/// Starts `path` (`argv`, `envp`) as a child that cannot outlive the calling thread's process.
///
/// Forks a small supervisor (a fork of the caller that never returns to Swift and calls only async-signal-safe
/// system calls) which forks the child: the child leads a new process group, has `stdin_fd`, `stdout_fd` and
/// `stderr_fd` as 0, 1 and 2, no other descriptor, default signal dispositions and an empty signal mask, and
/// PR_SET_PDEATHSIG(SIGKILL) tied to the supervisor. The supervisor blocks every signal and has
/// PR_SET_PDEATHSIG(SIGUSR2) tied to the calling thread: when the caller dies (SIGKILL, OOM), it kills the child's
/// whole process group. When the child exits, the supervisor kills what is left of the group (while the child is
/// still an unreaped zombie, so the group id cannot have been reused) and exits with the child's exit status, or
/// 128 + the signal number that ended it.
///
/// On success returns 0 and sets `*supervisor` (wait for it) and `*group` (the child's pid and process group id,
/// for signals); otherwise returns an errno value.
int c8s_supervised_spawn(
    const char *path, char *const argv[], char *const envp[], int stdin_fd, int stdout_fd, int stderr_fd,
    pid_t *supervisor, pid_t *group);

/// pipe2(fds, O_CLOEXEC): both ends close-on-exec from the start (glibc declares pipe2 only with _GNU_SOURCE, so
/// Swift cannot see it). Returns 0, or an errno value.
int c8s_pipe_cloexec(int fds[2]);

#endif
