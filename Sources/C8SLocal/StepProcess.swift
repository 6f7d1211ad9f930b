import C8SLogs
import C8SProcess
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A step's shell, spawned in its own process group with its output read line by line.
///
/// `sh -e -c SCRIPT` runs in the step workspace with stdin from `/dev/null`; stdout and stderr go through
/// pipes to `onOutput` as the bytes arrive (`onStreamEnd` when a pipe closes). The shell is started by C8SProcess's
/// ``SpawnedProcess/spawnSupervised(_:environment:stdin:stdout:stderr:)``: a small supervisor tied to the run
/// loop's thread by PR_SET_PDEATHSIG, so when c8s dies (SIGKILL, OOM) the supervisor kills the step's whole process
/// group and no step outlives c8s. When the shell exits, whatever is left of its process group is killed (like a
/// container ending), the pipes are drained, and `onExit` gets the supervisor's wait status (the shell's exit
/// status, or 128 + the signal that ended it).
struct StepProcess: Sendable {
    /// The shell's process id, also its process group id.
    let pid: pid_t

    /// Spawns the shell. Called only from the run loop's thread (the supervisor's parent-death signal is tied to
    /// the thread that spawns it, and the loop's thread outlives every step); the pipes are close-on-exec from the
    /// start, so no other spawn can inherit them.
    static func spawn(
        script: String,
        directory: String,
        environment: [String: String],
        onOutput: @escaping @Sendable (LogRecord.Stream, UnsafeRawBufferPointer) -> Void,
        onIdle: @escaping @Sendable (LogRecord.Stream) -> Void = { _ in },
        onStreamEnd: @escaping @Sendable (LogRecord.Stream) -> Void,
        onExit: @escaping @Sendable (Int32) -> Void
    ) throws(LocalError) -> StepProcess {
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .io("cannot open /dev/null: \(String(cString: strerror(errno)))") }
        defer { close(input) }
        let out = try makePipe()
        let err: (read: Int32, write: Int32)
        do {
            err = try makePipe()
        } catch {
            close(out.read)
            close(out.write)
            throw error
        }
        // The outer shell changes into the workspace, then becomes `sh -e -c SCRIPT` (same pid).
        let arguments = ["/bin/sh", "-c", "cd -- \"$1\" && exec /bin/sh -e -c \"$2\"", "c8s-step", directory, script]
        let variables = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let spawned = SpawnedProcess.spawnSupervised(
            arguments, environment: variables, stdin: input, stdout: out.write, stderr: err.write)
        close(out.write)
        close(err.write)
        let step: SpawnedProcess.Supervised
        switch spawned {
        case .success(let started):
            step = started
        case .failure(let error):
            close(out.read)
            close(err.read)
            throw .io("cannot start /bin/sh: \(String(cString: strerror(error.errno)))")
        }

        let readers = DispatchGroup()
        for (descriptor, stream) in [(out.read, LogRecord.Stream.stdout), (err.read, .stderr)] {
            readers.enter()
            Thread.detachNewThread {
                readOutput(descriptor, stream: stream, onOutput: onOutput, onIdle: onIdle)
                close(descriptor)
                onStreamEnd(stream)
                readers.leave()
            }
        }
        Thread.detachNewThread {
            // The supervisor exits once the shell exited and the rest of its group was killed.
            let status = SpawnedProcess.waitForStatus(step.supervisor) ?? 255 << 8
            readers.wait()
            onExit(status)
        }
        return StepProcess(pid: step.group)
    }

    /// Sends `signal` to the whole process group.
    func signalGroup(_ signal: Int32) {
        kill(-pid, signal)
    }

    /// Exit code from a wait status: the exit status, or 128 + the signal number.
    static func exitCode(fromStatus status: Int32) -> Int32 {
        SpawnedProcess.exitCode(status)
    }

    private static func makePipe() throws(LocalError) -> (read: Int32, write: Int32) {
        do {
            return try SpawnedProcess.makePipe()
        } catch {
            throw .io(error.message)
        }
    }

    /// How long a pipe may stay quiet after output before `onIdle` (the masker releases what it held back).
    static let idleMilliseconds: Int32 = 200

    private static func readOutput(
        _ descriptor: Int32,
        stream: LogRecord.Stream,
        onOutput: (LogRecord.Stream, UnsafeRawBufferPointer) -> Void,
        onIdle: (LogRecord.Stream) -> Void
    ) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 8)
        defer { buffer.deallocate() }
        var pending = false
        while true {
            if pending {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, idleMilliseconds)
                if ready < 0 && errno == EINTR { continue }
                if ready == 0 {
                    pending = false
                    onIdle(stream)
                    continue
                }
            }
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            onOutput(stream, UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            pending = true
        }
    }
}
