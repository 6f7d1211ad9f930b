import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The one way c8s starts a process: `posix_spawnp` in its own process group (so the whole group can be killed),
/// with every signal unblocked and the usual ones at their default disposition, stdin from /dev/null unless
/// given, and no descriptor of this process but the three it is given. ``ChildProcess`` (run to the end),
/// ``SpawnedChild`` (a long-running child) and the kubelet simulator's containers all start through it; a child
/// that must not outlive c8s (local mode's steps) starts through
/// ``spawnSupervised(_:environment:stdin:stdout:stderr:)``, the one `fork`.
package enum SpawnedProcess {
    /// Starts `argv` (its first element looked up in `PATH` when it has no slash) with `environment` (`K=V`
    /// strings), its stdout and stderr on the given descriptors and its stdin on `stdin` (nil: /dev/null). The
    /// child keeps no other descriptor of this process: one without close-on-exec (a script another test is still
    /// writing, a server's socket) would otherwise stay open for the child's whole life (`ETXTBSY` when that test
    /// runs its script, a peer that never sees EOF). Closing a descriptor that was closed since the listing is
    /// ignored by glibc.
    ///
    /// A `workingDirectory` is entered with `env -C` in the child (`posix_spawn_file_actions_addchdir_np` is
    /// GNU-only and not visible to Swift, and the process-wide `chdir` would race with other threads), so a missing
    /// directory is exit status 125.
    /// - Returns: the pid, or the `posix_spawnp` error number.
    package static func spawn(
        _ argv: [String], environment: [String], workingDirectory: String? = nil, stdin: Int32? = nil,
        stdout: Int32, stderr: Int32
    ) -> Result<pid_t, SpawnError> {
        let argv = workingDirectory.map { ["/usr/bin/env", "-C", $0, "--"] + argv } ?? argv
        guard let executable = argv.first else { return .failure(SpawnError(executable: "", errno: EINVAL)) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        let inherited = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.compactMap {
            Int32($0)
        }
        for fd in inherited ?? [] where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }

        var pid: pid_t = 0
        let result = withCStringArrays(argv, environment) { cArgv, cEnv in
            posix_spawnp(&pid, executable, &actions, &attributes, cArgv, cEnv)
        }
        return result == 0 ? .success(pid) : .failure(SpawnError(executable: executable, errno: result))
    }

    /// Calls `body` with `argv` and `environment` as NULL-terminated arrays of C strings, freed when it returns.
    static func withCStringArrays<T>(
        _ argv: [String], _ environment: [String],
        _ body: ([UnsafeMutablePointer<CChar>?], [UnsafeMutablePointer<CChar>?]) -> T
    ) -> T {
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in cArgv { free(pointer) }
            for pointer in cEnv { free(pointer) }
        }
        return body(cArgv, cEnv)
    }

    /// Why `posix_spawnp` failed.
    package struct SpawnError: Error {
        package var executable: String
        package var errno: Int32
    }

    /// Blocks until `pid` ends; its exit code, or 128 + the signal that killed it.
    package static func waitForExit(_ pid: pid_t) -> Int32 {
        waitForStatus(pid).map(exitCode) ?? 255
    }

    /// Blocks until `pid` ends and reaps it; its `waitpid` status, or nil when it cannot be waited for.
    package static func waitForStatus(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return nil }
        }
        return status
    }

    /// Whether a `waitpid` status is a normal exit (with its code) or a signal (with its number).
    package static func decode(_ status: Int32) -> (signal: Int32?, code: Int32) {
        let signal = status & 0x7f
        return signal == 0 ? (nil, (status >> 8) & 0xff) : (signal, signal)
    }

    /// The exit code of a `waitpid` status like a container runtime reports it.
    package static func exitCode(_ status: Int32) -> Int32 {
        let (signal, code) = decode(status)
        return signal.map { 128 + $0 } ?? code
    }
}
