/// Records read from stored chunks in line order, fetched chunk by chunk as the sequence is iterated.
public struct StoredLogRecords: AsyncSequence, Sendable {
    public typealias Element = NumberedLogRecord

    enum Start: Sendable, Hashable {
        case line(Int64)
        case tail(Int64)
    }

    let store: any LogStore
    let location: LogLocation
    let start: Start
    let end: Int64?
    /// An index already read (follow passes it to avoid reading it twice).
    let knownIndex: ChunkIndex?

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: StoredLogRecords
        private var index: ChunkIndex?
        private var position = 0
        private var records: [LogRecord] = []
        private var recordOffset = 0
        private var nextLine: Int64 = 0
        private var endLine: Int64 = 0

        init(sequence: StoredLogRecords) {
            self.sequence = sequence
            self.index = sequence.knownIndex
            if let index { setUp(index) }
        }

        private mutating func setUp(_ index: ChunkIndex) {
            let total = index.lineCount
            switch sequence.start {
            case .line(let line): nextLine = Swift.max(0, line)
            case .tail(let n): nextLine = Swift.max(0, total - Swift.max(0, n))
            }
            endLine = Swift.min(total, sequence.end ?? total)
            position = index.chunkPosition(containingLine: nextLine) ?? index.chunks.count
        }

        public mutating func next() async throws -> NumberedLogRecord? {
            if index == nil {
                let key = sequence.location.indexKey
                let loaded = try await sequence.store.get(key).map { bytes throws(ChunkError) in
                    try ChunkIndex.decode(bytes, name: key)
                } ?? ChunkIndex()
                index = loaded
                setUp(loaded)
            }
            guard let index, nextLine < endLine else { return nil }
            while recordOffset >= records.count {
                guard position < index.chunks.count else { return nil }
                let entry = index.chunks[position]
                let key = sequence.location.chunkKey(sequence: entry.sequence)
                guard let data = try await sequence.store.get(key) else {
                    throw LogStoreError(.corrupt, request: "GET \(key)", message: "the index lists a chunk that is missing")
                }
                records = try Chunk.decode(data, name: key)
                guard records.count == entry.lineCount else {
                    throw LogStoreError(
                        .corrupt, request: "GET \(key)",
                        message: "chunk holds \(records.count) lines; the index says \(entry.lineCount)")
                }
                recordOffset = Int(nextLine - entry.firstLine)
                position += 1
            }
            let result = NumberedLogRecord(lineNumber: nextLine, record: records[recordOffset])
            recordOffset += 1
            nextLine += 1
            return result
        }
    }

    /// The records as formatted text lines.
    public func lines(_ format: LogLineFormat = .init()) -> AsyncMapSequence<StoredLogRecords, String> {
        map { format.format($0.record) }
    }
}
