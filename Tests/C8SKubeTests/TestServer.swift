import C8SKube
import C8STestSupport
import Foundation
import Logging
import Synchronization

/// Runs `body` with a fresh in-memory API server (with c8s's CRDs) and a client for it.
func withServerAndClient<T: Sendable>(
    configure: @Sendable (inout TestAPIServer.Configuration) -> Void = { _ in },
    _ body: @escaping @Sendable (KubeClient, TestAPIServer) async throws -> T
) async throws -> T {
    var configuration = TestAPIServer.Configuration()
    configuration.crdDirectory = repositoryRoot + "/config/crd"
    configure(&configuration)
    return try await withTestAPIServer(configuration: configuration) { server in
        let client = KubeClientConfiguration(server: server.baseURL.absoluteString, namespace: "default")
        return try await withKubeClient(configuration: client) { client in
            try await body(client, server)
        }
    }
}

func pod(_ name: String, labels: [String: String]? = nil) -> Pod {
    Pod(
        metadata: ObjectMeta(name: name, labels: labels),
        spec: PodSpec(containers: [Container(name: "main", image: "alpine")], restartPolicy: "Never"))
}

/// Wakes waiters whenever something changed (informer events, leadership changes).
final class ChangeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    init() {}

    var generation: UInt64 { state.withLock { $0.generation } }

    func notify() {
        let waiters = state.withLock { state in
            state.generation += 1
            let waiters = state.waiters
            state.waiters = [:]
            return waiters
        }
        for waiter in waiters.values { waiter.resume() }
    }

    /// Returns once the generation differs from `seen` (or the task is cancelled).
    func wait(after seen: UInt64) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state in
                    if state.generation != seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}

/// Waits for `condition` with a deadline, re-checking whenever `changes` signals.
func waitUntil(
    _ deadline: Duration, changes: ChangeSignal, _ condition: @escaping @Sendable () -> Bool
) async throws -> Bool {
    let end = ContinuousClock.now + deadline
    while ContinuousClock.now < end {
        let seen = changes.generation
        if condition() { return true }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await changes.wait(after: seen) }
            group.addTask { try? await Task.sleep(until: end, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
    }
    return condition()
}

/// A value behind a lock, shareable between tasks.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}
