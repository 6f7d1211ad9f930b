#ifndef C8S_STEP_SPAWN_H
#define C8S_STEP_SPAWN_H

#include <sys/types.h>

/// Starts `path` (`argv`, `envp`) as a local-mode step that cannot outlive the calling thread's process.
///
/// Forks a small supervisor (a fork of the caller that never returns to Swift and calls only async-signal-safe
/// system calls) which forks the step: the step leads a new process group, has `stdin_fd`, `stdout_fd` and
/// `stderr_fd` as 0, 1 and 2, no other descriptor, default signal dispositions and an empty signal mask, and
/// PR_SET_PDEATHSIG(SIGKILL) tied to the supervisor. The supervisor blocks every signal and has
/// PR_SET_PDEATHSIG(SIGUSR2) tied to the calling thread: when the caller dies (SIGKILL, OOM), it kills the step's
/// whole process group. When the step exits, the supervisor kills what is left of the group (while the step is
/// still an unreaped zombie, so the group id cannot have been reused) and exits with the step's exit status, or
/// 128 + the signal number that ended it.
///
/// On success returns 0 and sets `*supervisor` (wait for it) and `*group` (the step's pid and process group id,
/// for signals); otherwise returns an errno value.
int c8s_step_spawn(
    const char *path, char *const argv[], char *const envp[], int stdin_fd, int stdout_fd, int stderr_fd,
    pid_t *supervisor, pid_t *group);

#endif
