import Synchronization

/// One followed container log directory: an `AsyncSequence` of ``LogBatch``es, and the commit of positions.
///
/// Delivery contract (at-least-once reading, exactly-once after commit):
/// - If the consumer's durable writes and its commit cannot be one atomic step (append to a file, then commit),
///   it records how much it had written in the position's ``TailPosition/annotations`` and, on restart, discards
///   anything past the value in ``resumedFrom``: that makes the whole exactly-once (`c8s-logtail` does this).
/// - Batches arrive in file order; each carries the ``TailPosition`` just after its records.
/// - The consumer makes the records durable downstream (a chunk stored, an output file fsynced) and then calls
///   ``commit(_:)`` with that batch's position (or a later one). The checkpoint file only ever holds committed
///   positions, so after a crash at any point a new follower on the same directory and checkpoint delivers
///   exactly the records after the last commit: none lost, none duplicated (as long as the consumer's durable
///   state and its commits agree, e.g. it commits after each durable write).
/// - Batches may be empty (a rotated file was finished): commit them too, so the checkpoint forgets that file.
/// - At most ``LogTailer/Configuration/maxQueuedBatches`` batches wait for the consumer; reading pauses until
///   it catches up (no unbounded buffering).
/// - ``finish()`` asks for the end: every file is read to its end and the last batch has `isLast`; then the
///   sequence ends. Without it a follower follows the directory until the tailer shuts down, when iteration
///   throws ``LogTailerError/stopped``.
public final class LogFollower: AsyncSequence, Sendable {
    public typealias Element = LogBatch

    struct State {
        var batches: [LogBatch] = []
        var head = 0
        var waiter: CheckedContinuation<LogBatch?, any Error>?
        var ended = false
        var error: (any Error)?
        var paused = false
        var queued: Int { batches.count - head }
    }

    let id: Int
    /// The followed directory.
    public let directory: String
    let checkpoint: TailCheckpoint?
    let initialPosition: TailPosition?
    /// The committed position this follower resumed from (with the consumer's ``TailPosition/annotations``), or
    /// `nil` when it started from the beginning.
    public var resumedFrom: TailPosition? { initialPosition }
    let maxQueued: Int
    let state = Mutex(State())
    let committed = Mutex<UInt64>(0)
    let control: @Sendable (TailCommand) -> Void

    init(
        id: Int, directory: String, checkpoint: TailCheckpoint?, initialPosition: TailPosition?, maxQueued: Int,
        control: @escaping @Sendable (TailCommand) -> Void
    ) {
        self.id = id
        self.directory = directory
        self.checkpoint = checkpoint
        self.initialPosition = initialPosition
        self.maxQueued = maxQueued
        self.control = control
    }

    /// Stores `position` in the checkpoint file (atomically, fsynced) unless a later one is already stored.
    /// Call it only for records that are durable downstream. Blocks for the fsync.
    public func commit(_ position: TailPosition) throws {
        guard let checkpoint else { return }
        try committed.withLock { last in
            guard position.sequence > last else { return }
            try checkpoint.store(position)
            last = position.sequence
        }
    }

    /// Asks the follower to read every file to its end (the container has terminated) and then end.
    public func finish() {
        control(.finish(id))
    }

    /// Stops following at once, without reading further: the sequence ends after the batches already queued.
    /// (Uncommitted records are read again by a later follower using the same checkpoint.)
    public func stop() {
        control(.cancel(id))
    }

    /// The next batch, or `nil` once the follower finished.
    public func next() async throws -> LogBatch? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<LogBatch?, any Error>) in
                enum Action {
                    case batch(LogBatch, resume: Bool)
                    case end
                    case fail(any Error)
                    case wait
                }
                let action = state.withLock { s -> Action in
                    if s.head < s.batches.count {
                        let batch = s.batches[s.head]
                        s.head += 1
                        if s.head == s.batches.count {
                            s.batches.removeAll(keepingCapacity: true)
                            s.head = 0
                        }
                        let resume = s.paused && s.queued < maxQueued
                        if resume { s.paused = false }
                        return .batch(batch, resume: resume)
                    }
                    if let error = s.error { return .fail(error) }
                    if s.ended { return .end }
                    if Task.isCancelled { return .fail(CancellationError()) }
                    s.waiter = continuation
                    return .wait
                }
                switch action {
                case .batch(let batch, let resume):
                    if resume { control(.resume(id)) }
                    continuation.resume(returning: batch)
                case .end: continuation.resume(returning: nil)
                case .fail(let error): continuation.resume(throwing: error)
                case .wait: break
                }
            }
        } onCancel: {
            state.withLock { s in
                let waiter = s.waiter
                s.waiter = nil
                return waiter
            }?.resume(throwing: CancellationError())
        }
    }

    /// Hands a batch to the consumer (loop thread). Returns true when the queue is full and reading must pause.
    func deliver(_ batch: LogBatch) -> Bool {
        let (waiter, pause) = state.withLock { s -> (CheckedContinuation<LogBatch?, any Error>?, Bool) in
            if let waiter = s.waiter {
                s.waiter = nil
                return (waiter, false)
            }
            s.batches.append(batch)
            if s.queued >= maxQueued { s.paused = true }
            return (nil, s.paused)
        }
        waiter?.resume(returning: batch)
        return pause
    }

    /// Ends the sequence after the queued batches (loop thread).
    func end(error: (any Error)?) {
        let waiter = state.withLock { s -> CheckedContinuation<LogBatch?, any Error>? in
            guard !s.ended else { return nil }
            s.ended = true
            s.error = error
            let waiter = s.waiter
            s.waiter = nil
            return waiter
        }
        if let waiter {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let follower: LogFollower
        public mutating func next() async throws -> LogBatch? { try await follower.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(follower: self) }
}
