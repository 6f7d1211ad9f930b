import C8SLogs
import C8SProcess
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One running container: a local process group whose stdout and stderr a dedicated thread frames as CRI lines
/// into the container's log file (rotating it), until the process ends.
final class ContainerProcess: Sendable {
    /// The process id, also the process group id.
    let pid: pid_t
    private let stdoutFD: Int32
    private let stderrFD: Int32
    private let logFile: CRILogFile

    private init(pid: pid_t, stdoutFD: Int32, stderrFD: Int32, logFile: CRILogFile) {
        self.pid = pid
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
        self.logFile = logFile
    }

    /// Starts `argv` in a new process group, its output going to `logFile`.
    static func start(_ argv: [String], environment: [String], logFile: CRILogFile) throws -> ContainerProcess {
        let out = try makePipe()
        let err: (Int32, Int32)
        do { err = try makePipe() } catch {
            Glibc.close(out.0)
            Glibc.close(out.1)
            throw error
        }
        let pid: pid_t
        do {
            pid = try SpawnedProcess.spawn(argv, environment: environment, stdout: out.1, stderr: err.1)
        } catch {
            for fd in [out.0, out.1, err.0, err.1] { Glibc.close(fd) }
            throw error
        }
        Glibc.close(out.1)
        Glibc.close(err.1)
        return ContainerProcess(pid: pid, stdoutFD: out.0, stderrFD: err.0, logFile: logFile)
    }

    private static func makePipe() throws -> (Int32, Int32) {
        try SpawnedProcess.makePipe()
    }

    /// Kills the whole process group.
    func kill(signal: Int32 = SIGKILL) {
        _ = Glibc.kill(-pid, signal)
    }

    /// Pumps the output to the log file on a dedicated thread and returns the exit code (128 + signal when
    /// killed) once the process has ended and its output is written.
    func waitForExit() async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let thread = Thread { [self] in
                continuation.resume(returning: pump())
            }
            thread.name = "c8s-sim-container-\(pid)"
            thread.start()
        }
    }

    /// Reads both pipes until both close (or, once the process has exited, until they are drained: a leftover
    /// background child may keep them open), writes CRI lines, reaps the process.
    private func pump() -> Int32 {
        var writer = CRIWriter()
        var fds = [
            pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0),
        ]
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var exitCode: Int32?
        var out: [UInt8] = []
        var logFailed = false
        while fds.contains(where: { $0.fd >= 0 }) {
            let ready = poll(&fds, nfds_t(fds.count), exitCode == nil ? 200 : 0)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 {
                if exitCode != nil { break }
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { exitCode = SpawnedProcess.exitCode(status) }
                continue
            }
            for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fds[index].fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                let stream: LogRecord.Stream = index == 0 ? .stdout : .stderr
                if n <= 0 {
                    writer.flush(stream: stream, timestampNanos: Self.nowNanos(), to: &out)
                    Glibc.close(fds[index].fd)
                    fds[index].fd = -1
                } else {
                    buffer.withUnsafeBytes {
                        writer.feed(
                            UnsafeRawBufferPointer(rebasing: $0[0..<n]), stream: stream,
                            timestampNanos: Self.nowNanos(),
                            to: &out)
                    }
                }
                writeLog(out, failed: &logFailed)
                out.removeAll(keepingCapacity: true)
            }
        }
        for index in fds.indices where fds[index].fd >= 0 {
            writer.flush(stream: index == 0 ? .stdout : .stderr, timestampNanos: Self.nowNanos(), to: &out)
            Glibc.close(fds[index].fd)
        }
        writeLog(out, failed: &logFailed)
        logFile.close()
        return exitCode ?? SpawnedProcess.waitForExit(pid)
    }

    /// Writes to the log file; a failure (a full disk) is reported on standard error once and ends the log, as a
    /// runtime whose log writer failed keeps the container running.
    private func writeLog(_ bytes: [UInt8], failed: inout Bool) {
        guard !failed else { return }
        do {
            try logFile.write(bytes)
        } catch {
            failed = true
            FileHandle.standardError.write(Data("\(error)\n".utf8))
        }
    }

    private static func nowNanos() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
