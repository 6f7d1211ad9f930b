import Synchronization

/// An async mutual exclusion: one holder at a time, waiters resumed in order.
///
/// The shipper runs each store-then-commit step under it (an append or an age-bound flush, followed by the tailer
/// commit of what the index now holds), so checkpoints are committed in the order their lines were stored and never
/// move backwards. The ``LogWriter`` orders its own calls; this orders the pairs.
final class SerialAccess: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` once every earlier holder is done.
    func run<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { s in
                if s.held {
                    s.waiters.append(continuation)
                    return false
                }
                s.held = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.held = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
