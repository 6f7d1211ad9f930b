import CProcessSpawn

#if canImport(Glibc)
import Glibc
#endif

extension SpawnedProcess {
    /// A child started by ``spawnSupervised(_:environment:stdin:stdout:stderr:)``.
    package struct Supervised: Sendable {
        /// The supervisor's pid: wait for it (``SpawnedProcess/waitForStatus(_:)``); it exits once the child has
        /// exited and the rest of the child's process group was killed, with the child's exit status or 128 + the
        /// signal that ended it.
        package let supervisor: pid_t
        /// The child's pid, also its process group id (for signals).
        package let group: pid_t

        /// Sends `signal` to the child's whole process group.
        package func signalGroup(_ signal: Int32) {
            _ = kill(-group, signal)
        }
    }

    /// Starts `argv` (its first element an absolute path, not looked up in `PATH`) as a child that cannot outlive
    /// this process, for a child whose descendants must not outlive c8s either (local mode's steps).
    ///
    /// The child runs under a small supervisor (`c8s_supervised_spawn`: a fork that never returns to Swift) tied
    /// to the calling thread by PR_SET_PDEATHSIG: when c8s dies (SIGKILL, OOM), the supervisor kills the child's
    /// whole process group. The child leads its own process group, with `stdin`, `stdout` and `stderr` as 0, 1
    /// and 2 and no other descriptor, default signal dispositions and an empty signal mask. When it exits, the
    /// supervisor kills whatever is left of its group (like a container ending).
    ///
    /// The parent-death signal follows the thread, not the process: call this from a thread that outlives the
    /// child (a run loop's own thread), never from a thread of the Swift concurrency pool.
    /// - Returns: the supervisor and the child's group, or the `fork` error number.
    package static func spawnSupervised(
        _ argv: [String], environment: [String], stdin: Int32, stdout: Int32, stderr: Int32
    ) -> Result<Supervised, SpawnError> {
        guard let executable = argv.first, executable.hasPrefix("/") else {
            return .failure(SpawnError(executable: argv.first ?? "", errno: EINVAL))
        }
        var supervisor: pid_t = 0
        var group: pid_t = 0
        let result = withCStringArrays(argv, environment) { cArgv, cEnv in
            c8s_supervised_spawn(executable, cArgv, cEnv, stdin, stdout, stderr, &supervisor, &group)
        }
        guard result == 0 else { return .failure(SpawnError(executable: executable, errno: result)) }
        return .success(Supervised(supervisor: supervisor, group: group))
    }

    /// A pipe with both ends close-on-exec from the start (`pipe2(O_CLOEXEC)`), so a process spawned by another
    /// thread in the meantime cannot inherit it; the spawner duplicates the child's end onto 0, 1 or 2.
    package static func makePipe() throws(ChildProcessError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        let result = c8s_pipe_cloexec(&fds)
        guard result == 0 else { throw ChildProcessError("cannot create a pipe", errno: result) }
        return (fds[0], fds[1])
    }
}
