import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One Pod the simulated kubelet runs: where, its directories, and the container processes alive right now.
final class PodRuntime: Sendable {
    let namespace: String
    let name: String
    let uid: String
    let node: String
    /// `<logRoot>/<namespace>_<pod>_<uid>`.
    let logDirectory: String
    /// The Pod's private directory (volumes, working directories).
    let podDirectory: String

    private struct State {
        var processes: [String: ContainerProcess] = [:]
        var killReason: String?
        var killWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var abandonedWaiters: Set<UInt64> = []
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    init(namespace: String, name: String, uid: String, node: String, logDirectory: String, podDirectory: String) {
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.node = node
        self.logDirectory = logDirectory
        self.podDirectory = podDirectory
    }

    /// Why the Pod is being killed (`Deleted`, `DeadlineExceeded`), nil while it may run.
    var killReason: String? { state.withLock { $0.killReason } }

    /// Records a started container; false (and the process is killed) when the Pod is already being killed.
    func register(_ container: String, _ process: ContainerProcess) -> Bool {
        let accepted = state.withLock { state in
            guard state.killReason == nil else { return false }
            state.processes[container] = process
            return true
        }
        if !accepted { process.kill() }
        return accepted
    }

    func unregister(_ container: String) {
        _ = state.withLock { $0.processes.removeValue(forKey: container) }
    }

    /// The running containers and their process ids.
    var processes: [(container: String, pid: Int32)] {
        state.withLock { $0.processes.map { ($0.key, $0.value.pid) } }.sorted { $0.container < $1.container }
    }

    /// Kills every container's process group; containers not started yet never start.
    func kill(reason: String) {
        let (processes, waiters) = state.withLock { state -> ([ContainerProcess], [CheckedContinuation<Void, Never>]) in
            if state.killReason == nil { state.killReason = reason }
            let waiters = Array(state.killWaiters.values)
            state.killWaiters = [:]
            return (Array(state.processes.values), waiters)
        }
        for process in processes { process.kill() }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until the Pod is killed or `duration` passed (or the task is cancelled).
    func waitForKill(orTimeout duration: Duration) async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLock { state in
                        if state.killReason != nil || state.abandonedWaiters.remove(id) != nil { return true }
                        state.killWaiters[id] = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            await group.next()
            group.cancelAll()
            // The kill waiter has no cancellation of its own: end it (or mark it so it ends when it registers).
            let waiter = state.withLock { state in
                let waiter = state.killWaiters.removeValue(forKey: id)
                if waiter == nil && state.killReason == nil { state.abandonedWaiters.insert(id) }
                return waiter
            }
            waiter?.resume()
        }
    }
}
