/// Records read from a followed directory, and the position just after them.
public struct LogBatch: Sendable {
    /// The records, in the order they were written (partial lines joined, unmasked).
    public var records: [LogRecord]
    /// Commit this (``LogFollower/commit(_:)``) once the records are durable downstream.
    public var position: TailPosition
    /// Lines of this batch that were not valid CRI lines (kept as raw records).
    public var malformedLines: Int
    /// True for the last batch of a follower that was asked to ``LogFollower/finish()``.
    public var isLast: Bool
}
