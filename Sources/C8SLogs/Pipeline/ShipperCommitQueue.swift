/// Which tailer position may be committed, given how many lines the store holds.
///
/// The shipper appends each batch's records as lines `[start, end)` and remembers the batch's position with `end`.
/// A position may be committed (written to the checkpoint) only once every line before `end` is in a stored chunk
/// listed by the stored index; otherwise a crash would lose the lines still waiting in the chunker. Pure value type.
public struct ShipperCommitQueue: Sendable {
    /// The annotation key under which a committed position records the line number of the next record.
    public static let nextLineKey = "log.nextLine"

    private var pending: [(position: TailPosition, endLine: Int64)] = []

    public init() {}

    /// Positions waiting for their lines to be stored.
    public var count: Int { pending.count }

    /// Remembers `position`, which follows lines up to (not including) `endLine`; the position is annotated with
    /// `endLine` so that a restarted shipper knows the line number of the next record.
    public mutating func enqueue(_ position: TailPosition, endLine: Int64) {
        var position = position
        position.annotations[Self.nextLineKey] = String(endLine)
        pending.append((position, endLine))
    }

    /// Removes and returns the latest position whose lines are all stored (`storedLines` lines in the index).
    public mutating func takeCommittable(storedLines: Int64) -> TailPosition? {
        var last: TailPosition?
        var taken = 0
        for entry in pending {
            guard entry.endLine <= storedLines else { break }
            last = entry.position
            taken += 1
        }
        pending.removeFirst(taken)
        return last
    }

    /// The line number of the first record a follower resumed from `position` delivers (0 without a checkpoint).
    public static func nextLine(resumedFrom position: TailPosition?) -> Int64 {
        position?.annotations[nextLineKey].flatMap { Int64($0) } ?? 0
    }
}
