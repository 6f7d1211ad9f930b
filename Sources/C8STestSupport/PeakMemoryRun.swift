import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs an executable to its end with standard output into a file and reports its peak resident memory: the
/// kernel's high-water mark of the process (`VmHWM` in `/proc/PID/status`), as `wait4(2)` returns it in
/// `ru_maxrss` when the process is reaped — a figure for the one process, unlike `RUSAGE_CHILDREN`.
public struct PeakMemoryRun: Sendable {
    /// The exit status (128 + the signal number when a signal ended it).
    public var status: Int32
    /// Peak resident set size in bytes.
    public var peakResidentBytes: Int
    /// What the process wrote to standard error (its first 64 KiB).
    public var stderr: String

    /// Runs `executable` with `arguments` in `directory`, standard input from `/dev/null`, standard output into the
    /// file `stdout` (created or truncated), waiting on its own thread so the caller's executor stays free.
    public static func run(
        executable: String, arguments: [String], environment: [String: String]? = nil, directory: String,
        stdout: String
    ) async throws -> PeakMemoryRun {
        let errorPath = stdout + ".stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let environment = environment ?? ProcessInfo.processInfo.environment
        // `sh` changes directory and execs the executable (the process keeps its pid; sh's own peak is ~1 MB).
        let shell = ["/bin/sh", "-c", "cd \"$1\" && shift && exec \"$@\"", "sh", directory, executable]
        let argv = (shell + arguments).map { strdup($0) }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, argv + [nil], envp + [nil])
        guard spawned == 0 else {
            throw TestChildProcessError("posix_spawn \(executable): \(String(cString: strerror(spawned)))")
        }
        let child = pid
        let (status, maxRSSKiB) = await withCheckedContinuation {
            (continuation: CheckedContinuation<(Int32, Int), Never>) in
            Thread {
                var status: Int32 = 0
                var usage = rusage()
                while wait4(child, &status, 0, &usage) < 0 && errno == EINTR {}
                let low = status & 0x7f
                let exit = low == 0 ? (status >> 8) & 0xff : 128 + low
                continuation.resume(returning: (exit, Int(usage.ru_maxrss)))
            }.start()
        }
        let errorText = (FileManager.default.contents(atPath: errorPath) ?? Data()).prefix(64 << 10)
        try? FileManager.default.removeItem(atPath: errorPath)
        return PeakMemoryRun(
            status: status, peakResidentBytes: maxRSSKiB * 1024, stderr: String(decoding: errorText, as: UTF8.self))
    }
}
