import C8SCommon
import DequeModule

/// The bookkeeping of a controller work queue, as a pure value (client-go's workqueue semantics):
/// a key waits at most once (adding a waiting key is a no-op); a key being processed is never handed out twice
/// (adding it marks it dirty, and it is queued again when its processing is done); failed keys come back after
/// an exponential per-key backoff with a cap; delayed adds wait for their time.
public struct WorkQueueState<Key: Hashable & Sendable>: Sendable {
    /// Per-key exponential backoff: `initial * 2^(failures-1)`, at most `maximum`.
    public typealias Backoff = C8SCommon.Backoff

    public private(set) var queue: Deque<Key> = []
    private var dirty: Set<Key> = []
    private var processing: Set<Key> = []
    private var failures: [Key: Int] = [:]
    private var delayed: [Key: ContinuousClock.Instant] = [:]
    public var backoff: Backoff

    public init(backoff: Backoff = Backoff(initial: .milliseconds(5), maximum: .seconds(300))) {
        self.backoff = backoff
    }

    /// Keys waiting to be handed out.
    public var count: Int { queue.count }
    /// Keys being processed.
    public var processingCount: Int { processing.count }
    /// Keys waiting for a delay to pass.
    public var delayedCount: Int { delayed.count }
    /// How many times a key failed since it was last forgotten.
    public func failures(of key: Key) -> Int { failures[key] ?? 0 }

    /// Queues a key (no-op if it is already waiting).
    public mutating func add(_ key: Key) {
        guard !dirty.contains(key) else { return }
        dirty.insert(key)
        if !processing.contains(key) { queue.append(key) }
    }

    /// Hands out the next key and marks it as being processed.
    public mutating func next() -> Key? {
        guard let key = queue.popFirst() else { return nil }
        processing.insert(key)
        dirty.remove(key)
        return key
    }

    /// Ends the processing of a key; queues it again if it was added meanwhile.
    public mutating func done(_ key: Key) {
        processing.remove(key)
        if dirty.contains(key) { queue.append(key) }
    }

    /// Queues a key once `delay` has passed (the earliest of several delays wins).
    public mutating func add(_ key: Key, after delay: Duration, now: ContinuousClock.Instant) {
        guard delay > .zero else { return add(key) }
        let due = now + delay
        if let existing = delayed[key], existing <= due { return }
        delayed[key] = due
    }

    /// Records a failure of `key` and queues it after its backoff; returns the delay.
    @discardableResult
    public mutating func addRateLimited(_ key: Key, now: ContinuousClock.Instant) -> Duration {
        let count = (failures[key] ?? 0) + 1
        failures[key] = count
        let delay = backoff.delay(attempt: count)
        add(key, after: delay, now: now)
        return delay
    }

    /// Clears a key's failure count (after it was processed successfully).
    public mutating func forget(_ key: Key) {
        failures[key] = nil
    }

    /// Queues the delayed keys whose time has come; returns when the next one is due.
    public mutating func promote(now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        var next: ContinuousClock.Instant?
        for (key, due) in delayed {
            if due <= now {
                delayed[key] = nil
                add(key)
            } else if next == nil || due < next! {
                next = due
            }
        }
        return next
    }
}
