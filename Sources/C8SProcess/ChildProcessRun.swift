import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One run of ``ChildProcess``: spawns, pumps the pipes and reaps on its own thread; `kill` may come from any
/// task. The pid is only signalled while the child is known not to be reaped (`waitid` with `WNOWAIT` first), so
/// a recycled pid is never hit.
final class ChildProcessRun: Sendable {
    private struct State {
        var pid: pid_t?
        var exited = false
        var killRequested = false
        var timedOut = false
    }

    private let argv: [String]
    private let environment: [String]
    private let workingDirectory: String?
    private let input: [UInt8]?
    private let state = Mutex(State())

    init(argv: [String], environment: [String], workingDirectory: String?, input: [UInt8]?) {
        self.argv = argv
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.input = input
    }

    /// Starts the dedicated thread and resumes when the child has ended and both its pipes are drained.
    func result() async throws -> ChildProcessResult {
        try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<ChildProcessResult, any Error>) in
            let thread = Thread { [self] in
                continuation.resume(with: Result { try runToEnd() })
            }
            thread.name = "c8s-child-process"
            thread.start()
        }
    }

    /// Kills the child's process group with SIGKILL unless it has already ended (or kills it as soon as it starts).
    func kill(timedOut: Bool) {
        state.withLock { state in
            guard !state.exited else { return }
            if timedOut { state.timedOut = true }
            if let pid = state.pid {
                _ = Glibc.kill(-pid, SIGKILL)
            } else {
                state.killRequested = true
            }
        }
    }

    /// Spawns, pumps and reaps on the calling thread (blocking it).
    func runToEnd() throws -> ChildProcessResult {
        // A child that exits before reading all its input makes `write` fail with EPIPE on this thread instead of
        // raising SIGPIPE in the whole test process. A SIGPIPE left pending is consumed before the mask is restored.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previousMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previousMask)
        defer {
            var pending = sigset_t()
            sigpending(&pending)
            if sigismember(&pending, SIGPIPE) == 1 {
                var now = timespec()
                _ = sigtimedwait(&pipeSignal, nil, &now)
            }
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
        }

        var descriptors: [Int32] = []
        defer { for fd in descriptors where fd >= 0 { close(fd) } }
        let output = try Self.makePipe(&descriptors)
        let errors = try Self.makePipe(&descriptors)
        let stdin = try input.map { _ in try Self.makePipe(&descriptors) }
        let pid = try spawn(stdout: output.write, stderr: errors.write, stdin: stdin?.read)
        for (index, fd) in descriptors.enumerated()
        where fd == output.write || fd == errors.write || fd == stdin?.read {
            close(fd)
            descriptors[index] = -1
        }
        state.withLock { state in
            state.pid = pid
            if state.killRequested { _ = Glibc.kill(-pid, SIGKILL) }
        }
        let (standardOutput, standardError) = pump(stdout: output.read, stderr: errors.read, stdin: stdin?.write)
        for index in descriptors.indices { descriptors[index] = -1 }  // pump closed them

        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
        let timedOut = state.withLock { state in
            state.exited = true
            return state.timedOut
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return ChildProcessResult(
            termination: .init(status: status),
            standardOutput: Data(standardOutput), standardError: Data(standardError), timedOut: timedOut)
    }

    private static func makePipe(_ descriptors: inout [Int32]) throws -> (read: Int32, write: Int32) {
        let pipe = try SpawnedProcess.makePipe()
        descriptors += [pipe.read, pipe.write]
        return pipe
    }

    private func spawn(stdout: Int32, stderr: Int32, stdin: Int32?) throws -> pid_t {
        let spawned = SpawnedProcess.spawn(
            argv, environment: environment, workingDirectory: workingDirectory, stdin: stdin, stdout: stdout,
            stderr: stderr)
        switch spawned {
        case .success(let pid): return pid
        case .failure(let error): throw ChildProcessError("cannot start \(error.executable)", errno: error.errno)
        }
    }

    /// Writes the input and reads both outputs until every pipe is closed; closes the descriptors it is given.
    private func pump(stdout: Int32, stderr: Int32, stdin: Int32?) -> ([UInt8], [UInt8]) {
        var outputs: [[UInt8]] = [[], []]
        let input = self.input ?? []
        var written = 0
        var fds = [
            pollfd(fd: stdout, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stderr, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stdin ?? -1, events: Int16(POLLOUT), revents: 0),
        ]
        func finish(_ index: Int) {
            close(fds[index].fd)
            fds[index].fd = -1
        }
        if let stdin {
            _ = fcntl(stdin, F_SETFL, fcntl(stdin, F_GETFL) | O_NONBLOCK)
            if input.isEmpty { finish(2) }
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while fds.contains(where: { $0.fd >= 0 }) {
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                for index in fds.indices where fds[index].fd >= 0 { finish(index) }
                break
            }
            for index in 0..<2 where fds[index].fd >= 0 && fds[index].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    outputs[index] += buffer[0..<n]
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    finish(index)
                }
            }
            if fds[2].fd >= 0 && fds[2].revents != 0 {
                let n = input.withUnsafeBytes { write(fds[2].fd, $0.baseAddress! + written, $0.count - written) }
                if n > 0 {
                    written += n
                    if written == input.count { finish(2) }
                } else if n < 0 && errno != EINTR && errno != EAGAIN {
                    finish(2)  // EPIPE: the child closed its stdin; the rest of the input is dropped
                }
            }
        }
        return (outputs[0], outputs[1])
    }
}
