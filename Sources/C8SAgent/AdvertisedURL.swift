import Synchronization

/// The agent's base URL, known once its HTTP server listens; Pod followers wait for it before annotating Pods.
final class AdvertisedURL: Sendable {
    private struct State {
        var value: String?
        var waiters: [CheckedContinuation<String, Never>] = []
    }

    private let state = Mutex(State())

    func set(_ value: String) {
        let waiters = state.withLock { s in
            s.value = value
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    var current: String? { state.withLock { $0.value } }

    /// The URL, once set. Cancelling the caller does not end the wait: callers run in cancellable task groups that
    /// end when the agent stops, and the server reports its port before any of that matters.
    func value() async -> String {
        await withCheckedContinuation { continuation in
            let value = state.withLock { s -> String? in
                if let value = s.value { return value }
                s.waiters.append(continuation)
                return nil
            }
            if let value { continuation.resume(returning: value) }
        }
    }
}
