import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A long-running child process started by ``SpawnedProcess``: a dedicated thread waits for its exit (blocking in
/// `waitid`, never on a thread of the Swift concurrency pool) and reaps it. Signals are only sent while the child
/// is known not to be reaped, so a recycled pid is never hit.
package final class SpawnedChild: Sendable {
    /// How a child ended.
    package typealias Termination = ChildProcessResult.Termination

    private struct State {
        var reaped = false
        var termination: Termination?
        var observers: [@Sendable (Termination) -> Void] = []
    }

    /// The process id, also the process group id.
    package let pid: pid_t
    private let state = Mutex(State())

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts `argv` (see ``SpawnedProcess/spawn(_:environment:workingDirectory:stdin:stdout:stderr:)``) and the
    /// thread that reaps it. The caller closes its copies of the descriptors it passed.
    package static func start(
        _ argv: [String], environment: [String], workingDirectory: String? = nil, stdin: Int32? = nil,
        stdout: Int32, stderr: Int32
    ) throws(ChildProcessError) -> SpawnedChild {
        let spawned = SpawnedProcess.spawn(
            argv, environment: environment, workingDirectory: workingDirectory, stdin: stdin, stdout: stdout,
            stderr: stderr)
        let pid: pid_t
        switch spawned {
        case .success(let started): pid = started
        case .failure(let error): throw ChildProcessError("cannot start \(error.executable)", errno: error.errno)
        }
        let child = SpawnedChild(pid: pid)
        let reaper = Thread { child.reap() }
        reaper.name = "c8s-reap-\(pid)"
        reaper.start()
        return child
    }

    /// Sends `signal` to the child (or, with `group`, to its whole process group) unless it has been reaped.
    package func signal(_ signal: Int32, group: Bool = false) {
        state.withLock { state in
            if !state.reaped { _ = kill(group ? -pid : pid, signal) }
        }
    }

    /// How the child ended; nil while it runs.
    package var termination: Termination? { state.withLock { $0.termination } }

    /// Calls `observer` (on the reaper thread, or at once when the child has ended) with how the child ended.
    package func onExit(_ observer: @escaping @Sendable (Termination) -> Void) {
        let ended: Termination? = state.withLock { state in
            if let termination = state.termination { return termination }
            state.observers.append(observer)
            return nil
        }
        if let ended { observer(ended) }
    }

    /// Waits until the child has ended.
    package func waitForExit() async -> Termination {
        await withCheckedContinuation { continuation in
            onExit { continuation.resume(returning: $0) }
        }
    }

    /// Blocks the calling thread until the child has ended. Only for code on a thread of its own (a synchronous
    /// test), never from async code (use ``waitForExit()``).
    package func waitUntilExit() -> Termination {
        let ended = DispatchSemaphore(value: 0)
        onExit { _ in ended.signal() }
        ended.wait()
        return termination ?? .exited(255)
    }

    private func reap() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
        state.withLock { $0.reaped = true }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
        let termination: Termination = result == pid ? Termination(status: status) : .exited(255)
        let observers = state.withLock { state in
            state.termination = termination
            defer { state.observers = [] }
            return state.observers
        }
        for observer in observers { observer(termination) }
    }
}
