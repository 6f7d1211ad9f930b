#if canImport(Glibc)
import Glibc
#endif

/// `posix_spawnp` in its own process group (so the whole group can be killed), with stdin from /dev/null.
enum SpawnedProcess {
    /// Starts `argv` with `environment` (`K=V` strings), its stdout and stderr on the given descriptors.
    static func spawn(_ argv: [String], environment: [String], stdout: Int32, stderr: Int32) throws -> pid_t {
        guard let executable = argv.first else { throw ClusterSimulatorError.io("empty command", errno: 0) }
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
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in cArgv { free(pointer) }
            for pointer in cEnv { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, executable, &actions, &attributes, cArgv, cEnv)
        guard result == 0 else {
            throw ClusterSimulatorError.io("cannot start \(executable)", errno: result)
        }
        return pid
    }

    /// Runs `argv` to its end (blocking the calling thread) and returns its exit code.
    static func runToCompletion(_ argv: [String], stdout: Int32) throws -> Int32 {
        let environment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        let pid = try spawn(argv, environment: environment, stdout: stdout, stderr: 2)
        return waitForExit(pid)
    }

    /// Blocks until `pid` ends; its exit code, or 128 + the signal that killed it.
    static func waitForExit(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 255 }
        }
        return exitCode(status)
    }

    /// The exit code of a `waitpid` status like a container runtime reports it.
    static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
