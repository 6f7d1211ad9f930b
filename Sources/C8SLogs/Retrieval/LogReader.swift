/// Reads one container's log from a ``LogStore``: the whole log, the last lines, a line range, or a live follow.
///
/// Line numbers are 0-based. `tail` reads only the index and the chunks that hold the last lines.
public struct LogReader: Sendable {
    public let store: any LogStore
    public let location: LogLocation
    /// How often ``follow(live:from:)`` looks at the store for new chunks when nothing else arrives.
    public var pollInterval: Duration

    public init(store: any LogStore, location: LogLocation, pollInterval: Duration = .milliseconds(500)) {
        self.store = store
        self.location = location
        self.pollInterval = pollInterval
    }

    /// The stored index (empty when nothing is stored yet).
    public func index() async throws -> ChunkIndex {
        guard let bytes = try await store.get(location.indexKey) else { return ChunkIndex() }
        return try ChunkIndex.decode(bytes, name: location.indexKey)
    }

    /// The completion marker, once the log is complete.
    public func completion() async throws -> LogCompletion? {
        guard let bytes = try await store.get(location.completionKey) else { return nil }
        return try LogCompletion.decode(bytes, name: location.completionKey)
    }

    /// Every stored record, in order, fetched one chunk at a time (memory: about one chunk).
    ///
    /// - Parameter index: the index, when the caller has just read it (else it is read first).
    public func records(index: ChunkIndex? = nil) -> StoredLogRecords {
        StoredLogRecords(store: store, location: location, start: .line(0), end: nil, knownIndex: index)
    }

    /// The stored records with line numbers in `lines`, reading only the chunks that hold them.
    public func records(lines: Range<Int64>, index: ChunkIndex? = nil) -> StoredLogRecords {
        StoredLogRecords(
            store: store, location: location, start: .line(lines.lowerBound), end: lines.upperBound, knownIndex: index)
    }

    /// The last `count` stored records, reading only the chunks that hold them (found with the index).
    public func tail(_ count: Int64, index: ChunkIndex? = nil) -> StoredLogRecords {
        StoredLogRecords(store: store, location: location, start: .tail(count), end: nil, knownIndex: index)
    }

    /// Where a follow starts.
    public enum FollowStart: Sendable, Hashable {
        /// At this line number.
        case line(Int64)
        /// This many lines before the end of what is stored when the follow starts.
        case tail(Int64)
    }

    /// Follows the log: stored and live lines merged by line number, without gap or duplicate, until the
    /// completion marker shows that every line was delivered.
    ///
    /// Stored chunks are read first; then the live source is asked for the lines after them. When the live source
    /// skips lines (they were shipped meanwhile) or ends, the follow goes back to the store for the missing lines
    /// and then to the live source again. Without a live source, the store is polled every ``pollInterval``.
    public func follow(live: (any LiveLogSource)?, from start: FollowStart = .line(0)) -> FollowedLogRecords {
        FollowedLogRecords(reader: self, live: live, start: start)
    }
}

/// The records of ``LogReader/follow(live:from:)``.
public struct FollowedLogRecords: AsyncSequence, Sendable {
    public typealias Element = NumberedLogRecord
    let reader: LogReader
    let live: (any LiveLogSource)?
    let start: LogReader.FollowStart

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(sequence: self) }

    /// The records as formatted text lines.
    public func lines(_ format: LogLineFormat = .init()) -> AsyncMapSequence<FollowedLogRecords, String> {
        map { format.format($0.record) }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private enum Phase {
            case check
            case stored(StoredLogRecords.AsyncIterator)
            case live(AsyncThrowingStream<NumberedLogRecord, any Error>.AsyncIterator)
            case done
        }

        private let sequence: FollowedLogRecords
        private var phase = Phase.check
        private var nextLine: Int64?
        /// The line at which the live source last ended or skipped ahead; it is asked again only after progress.
        private var liveGaveUpAt: Int64?
        private var idle = false

        init(sequence: FollowedLogRecords) { self.sequence = sequence }

        public mutating func next() async throws -> NumberedLogRecord? {
            let reader = sequence.reader
            while true {
                switch phase {
                case .done:
                    return nil
                case .check:
                    if idle { try await Task.sleep(for: reader.pollInterval) }
                    // The marker is read before the index, so a complete log's index is final.
                    let completion = try await reader.completion()
                    let index = try await reader.index()
                    if nextLine == nil {
                        switch sequence.start {
                        case .line(let line): nextLine = Swift.max(0, line)
                        case .tail(let n): nextLine = Swift.max(0, index.lineCount - Swift.max(0, n))
                        }
                    }
                    let line = nextLine!
                    if index.lineCount > line {
                        idle = false
                        phase = .stored(
                            StoredLogRecords(
                                store: reader.store, location: reader.location, start: .line(line), end: nil,
                                knownIndex: index
                            ).makeAsyncIterator())
                    } else if let completion, line >= completion.lines {
                        phase = .done
                    } else if let live = sequence.live, liveGaveUpAt != line {
                        idle = false
                        phase = .live(try await live.records(from: line).makeAsyncIterator())
                    } else {
                        idle = true
                    }
                case .stored(var iterator):
                    let record = try await iterator.next()
                    phase = .stored(iterator)
                    if let record {
                        nextLine = record.lineNumber + 1
                        return record
                    }
                    phase = .check
                case .live(var iterator):
                    let record = try await iterator.next()
                    phase = .live(iterator)
                    guard let record else {
                        liveGaveUpAt = nextLine
                        phase = .check
                        continue
                    }
                    if record.lineNumber < nextLine! { continue }
                    if record.lineNumber > nextLine! {
                        liveGaveUpAt = nextLine
                        phase = .check
                        continue
                    }
                    nextLine = record.lineNumber + 1
                    return record
                }
            }
        }
    }
}
