import C8SProcess
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
        let output = open(stdout, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else {
            throw TestChildProcessError("cannot create \(stdout): \(String(cString: strerror(errno)))")
        }
        defer { close(output) }
        let errors = open(errorPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard errors >= 0 else {
            throw TestChildProcessError("cannot create \(errorPath): \(String(cString: strerror(errno)))")
        }
        defer { close(errors) }
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        // The directory is entered by `env -C`, which execs the executable (the process keeps its pid).
        let spawned = SpawnedProcess.spawn(
            [executable] + arguments, environment: variables, workingDirectory: directory, stdout: output,
            stderr: errors)
        let pid: pid_t
        switch spawned {
        case .success(let started): pid = started
        case .failure(let error):
            throw TestChildProcessError("cannot start \(executable): \(String(cString: strerror(error.errno)))")
        }
        let child = pid
        let (status, maxRSSKiB) = await withCheckedContinuation {
            (continuation: CheckedContinuation<(Int32, Int), Never>) in
            Thread {
                var status: Int32 = 0
                var usage = rusage()
                while wait4(child, &status, 0, &usage) < 0 && errno == EINTR {}
                continuation.resume(returning: (SpawnedProcess.exitCode(status), Int(usage.ru_maxrss)))
            }.start()
        }
        let errorText = (FileManager.default.contents(atPath: errorPath) ?? Data()).prefix(64 << 10)
        try? FileManager.default.removeItem(atPath: errorPath)
        return PeakMemoryRun(
            status: status, peakResidentBytes: maxRSSKiB * 1024, stderr: String(decoding: errorText, as: UTF8.self))
    }
}
