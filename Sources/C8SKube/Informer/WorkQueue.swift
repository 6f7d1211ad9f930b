import C8SCommon
import DequeModule
import Logging
import Synchronization

/// What a work-queue handler asks for after processing a key.
public enum WorkResult: Sendable, Equatable {
    /// Done: forget the key's failures.
    case done
    /// Process the key again after a delay (periodic re-checks), forgetting its failures.
    case requeueAfter(Duration)
    /// Process the key again after its exponential backoff (a transient failure).
    case retry
}

/// A controller work queue: deduplicates keys, never runs one key twice at once, backs off failed keys per key,
/// and runs `workers` handlers at most at once. Informer handlers `add` keys; `run` processes them until its task
/// is cancelled.
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Key?, Never>
    }

    private struct Shared {
        var state: WorkQueueState<Key>
        var waiters: Deque<Waiter> = []
        var nextWaiterID: UInt64 = 0
        var timerWake: CheckedContinuation<Void, Never>?
        var timerWakeRequested = false
    }

    private let shared: Mutex<Shared>
    private let logger: Logger

    public init(
        backoff: Backoff = Backoff(initial: .milliseconds(5), maximum: .seconds(300)),
        logger: Logger = Logger(label: "c8s.workqueue")
    ) {
        shared = Mutex(Shared(state: WorkQueueState(backoff: backoff)))
        self.logger = logger
    }

    /// A snapshot of the queue's bookkeeping.
    public var state: WorkQueueState<Key> { shared.withLock { $0.state } }

    /// Queues a key now.
    public func add(_ key: Key) {
        let handOff: (Waiter, Key)? = shared.withLock { shared in
            shared.state.add(key)
            guard !shared.waiters.isEmpty, let next = shared.state.next() else { return nil }
            return (shared.waiters.removeFirst(), next)
        }
        if let handOff { handOff.0.continuation.resume(returning: handOff.1) }
    }

    /// Queues a key after a delay.
    public func add(_ key: Key, after delay: Duration) {
        guard delay > .zero else { return add(key) }
        let wake = shared.withLock { shared in
            shared.state.add(key, after: delay, now: .now)
            return Self.takeTimerWake(&shared)
        }
        wake?.resume()
    }

    /// Records a failure and queues the key after its backoff.
    public func addRateLimited(_ key: Key) {
        let wake = shared.withLock { shared in
            shared.state.addRateLimited(key, now: .now)
            return Self.takeTimerWake(&shared)
        }
        wake?.resume()
    }

    /// Clears a key's failure count.
    public func forget(_ key: Key) {
        shared.withLock { $0.state.forget(key) }
    }

    /// Ends the processing of a key (it is queued again if it was added meanwhile).
    public func done(_ key: Key) {
        let handOff: (Waiter, Key)? = shared.withLock { shared in
            shared.state.done(key)
            guard !shared.waiters.isEmpty, let next = shared.state.next() else { return nil }
            return (shared.waiters.removeFirst(), next)
        }
        if let handOff { handOff.0.continuation.resume(returning: handOff.1) }
    }

    /// The next key to process, waiting for one; nil when the calling task is cancelled.
    public func next() async -> Key? {
        let id = shared.withLock { shared in
            shared.nextWaiterID += 1
            return shared.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Key?, Never>) in
                let immediate: Key?? = shared.withLock { shared in
                    if Task.isCancelled { return .some(nil) }
                    if let key = shared.state.next() { return .some(key) }
                    shared.waiters.append(Waiter(id: id, continuation: continuation))
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter: Waiter? = shared.withLock { shared in
                guard let index = shared.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return shared.waiters.remove(at: index)
            }
            waiter?.continuation.resume(returning: nil)
        }
    }

    /// Processes keys with at most `workers` handlers at once until the calling task is cancelled. A handler that
    /// throws is logged and its key retried after its backoff.
    public func run(workers: Int, _ handler: @escaping @Sendable (Key) async throws -> WorkResult) async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.runDelayTimer() }
            for _ in 0..<Swift.max(1, workers) {
                group.addTask {
                    while let key = await self.next() {
                        let result: WorkResult
                        do {
                            result = try await handler(key)
                        } catch {
                            if Task.isCancelled {
                                self.done(key)
                                return
                            }
                            self.logger.warning(
                                "processing failed; retrying with backoff",
                                metadata: [
                                    "workqueue.key": "\(key)", "error": "\(error)",
                                ])
                            result = .retry
                        }
                        switch result {
                        case .done:
                            self.forget(key)
                        case .requeueAfter(let delay):
                            self.forget(key)
                            self.add(key, after: delay)
                        case .retry:
                            self.addRateLimited(key)
                        }
                        self.done(key)
                    }
                }
            }
        }
    }

    /// Moves delayed keys into the queue when they are due, sleeping until the next one (or until a new delayed
    /// key arrives).
    private func runDelayTimer() async {
        while !Task.isCancelled {
            let (next, waiters) = shared.withLock { shared -> (ContinuousClock.Instant?, [(Waiter, Key)]) in
                let next = shared.state.promote(now: .now)
                var handOffs: [(Waiter, Key)] = []
                while !shared.waiters.isEmpty, let key = shared.state.next() {
                    handOffs.append((shared.waiters.removeFirst(), key))
                }
                return (next, handOffs)
            }
            for (waiter, key) in waiters { waiter.continuation.resume(returning: key) }
            await withTaskGroup(of: Void.self) { group in
                if let next {
                    group.addTask { try? await Task.sleep(until: next, clock: .continuous) }
                }
                group.addTask { await self.waitForTimerWake() }
                await group.next()
                group.cancelAll()
            }
        }
    }

    private func waitForTimerWake() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = shared.withLock { shared in
                    if shared.timerWakeRequested || Task.isCancelled {
                        shared.timerWakeRequested = false
                        return true
                    }
                    shared.timerWake = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let wake = shared.withLock { shared in
                let wake = shared.timerWake
                shared.timerWake = nil
                return wake
            }
            wake?.resume()
        }
    }

    private static func takeTimerWake(_ shared: inout Shared) -> CheckedContinuation<Void, Never>? {
        if let wake = shared.timerWake {
            shared.timerWake = nil
            return wake
        }
        shared.timerWakeRequested = true
        return nil
    }
}
