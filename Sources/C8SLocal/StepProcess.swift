import C8SLogs
import CStepSpawn
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A step's shell, spawned in its own process group with its output read line by line.
///
/// `sh -e -c SCRIPT` runs in the step workspace with stdin from `/dev/null`; stdout and stderr go through
/// pipes to `onOutput` as the bytes arrive (`onStreamEnd` when a pipe closes). The shell runs under a small
/// supervisor (`c8s_step_spawn` in `CStepSpawn`) tied to the run loop's thread by PR_SET_PDEATHSIG: when c8s dies
/// (SIGKILL, OOM), the supervisor kills the step's whole process group, so no step outlives c8s. When the shell
/// exits, whatever is left of its process group is killed (like a container ending), the pipes are drained, and
/// `onExit` gets the supervisor's wait status (the shell's exit status, or 128 + the signal that ended it).
struct StepProcess: Sendable {
    /// The shell's process id, also its process group id.
    let pid: pid_t

    /// Spawns the shell. Called only from the run loop's thread (the supervisor's parent-death signal is tied to
    /// the thread that spawns it, and the loop's thread outlives every step), so pipe descriptors are made
    /// close-on-exec before any other spawn can inherit them.
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
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var supervisor: pid_t = 0
        var group: pid_t = 0
        let result = c8s_step_spawn("/bin/sh", argv, envp, input, out.write, err.write, &supervisor, &group)
        close(out.write)
        close(err.write)
        guard result == 0 else {
            close(out.read)
            close(err.read)
            throw .io("cannot start /bin/sh: \(String(cString: strerror(result)))")
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
        let waited = supervisor
        Thread.detachNewThread {
            // The supervisor exits once the shell exited and the rest of its group was killed.
            var status: Int32 = 0
            while waitpid(waited, &status, 0) < 0 && errno == EINTR {}
            readers.wait()
            onExit(status)
        }
        return StepProcess(pid: group)
    }

    /// Sends `signal` to the whole process group.
    func signalGroup(_ signal: Int32) {
        kill(-pid, signal)
    }

    /// Exit code from a wait status: the exit status, or 128 + the signal number.
    static func exitCode(fromStatus status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    private static func makePipe() throws(LocalError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw .io("cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return (fds[0], fds[1])
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
