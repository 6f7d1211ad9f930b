import Synchronization

/// The agent's base URL, known once its HTTP server listens; Pod followers wait for it before annotating Pods.
final class AdvertisedURL: Sendable {
    private struct State {
        var value: String?
        var waiters: [UInt64: CheckedContinuation<String?, Never>] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    func set(_ value: String) {
        let waiters = state.withLock { s in
            s.value = value
            defer { s.waiters = [:] }
            return s.waiters
        }
        for waiter in waiters.values { waiter.resume(returning: value) }
    }

    var current: String? { state.withLock { $0.value } }

    /// The URL once set; nil when the caller is cancelled first (the server never started).
    func value() async -> String? {
        let id = state.withLock { s in
            s.nextID += 1
            return s.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                let ready = state.withLock { s -> String?? in
                    if let value = s.value { return .some(value) }
                    if Task.isCancelled { return .some(nil) }
                    s.waiters[id] = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }
}
