/// Records read from stored chunks in line order, fetched chunk by chunk as the sequence is iterated and decoded one
/// record at a time: an iterator holds one chunk's bytes and the record it returns, whatever the log's size.
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
        /// The chunk being read, the line number of its next record, its end line and key.
        private var cursor: ChunkRecordCursor?
        private var chunkLine: Int64 = 0
        private var chunkEnd: Int64 = 0
        private var chunkKey = ""
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
                let loaded =
                    try await sequence.store.get(key).map { bytes throws(ChunkError) in
                        try ChunkIndex.decode(bytes, name: key)
                    } ?? ChunkIndex()
                index = loaded
                setUp(loaded)
            }
            guard let index, nextLine < endLine else { return nil }
            while true {
                if cursor != nil {
                    if chunkLine < chunkEnd {
                        if chunkLine < nextLine {
                            // Lines before the start (a tail or a range inside the chunk) are passed over unbuilt.
                            guard try cursor!.skip() else { throw lineCountMismatch() }
                            chunkLine += 1
                            continue
                        }
                        guard let record = try cursor!.next() else { throw lineCountMismatch() }
                        chunkLine += 1
                        nextLine += 1
                        return NumberedLogRecord(lineNumber: chunkLine - 1, record: record)
                    }
                    if try cursor!.skip() { throw lineCountMismatch() }
                    cursor = nil
                }
                guard position < index.chunks.count else { return nil }
                let entry = index.chunks[position]
                let key = sequence.location.chunkKey(sequence: entry.sequence)
                guard let data = try await sequence.store.get(key) else {
                    throw LogStoreError(
                        .corrupt, request: "GET \(key)", message: "the index lists a chunk that is missing")
                }
                cursor = ChunkRecordCursor(try ZstdDecompressor.shared.decompress(data, name: key), name: key)
                chunkKey = key
                chunkLine = entry.firstLine
                chunkEnd = entry.endLine
                position += 1
            }
        }

        private func lineCountMismatch() -> LogStoreError {
            LogStoreError(
                .corrupt, request: "GET \(chunkKey)",
                message: "chunk does not hold the \(chunkEnd - (index?.chunks[position - 1].firstLine ?? 0)) lines "
                    + "the index says")
        }
    }

    /// The records as formatted text lines.
    public func lines(_ format: LogLineFormat = .init()) -> AsyncMapSequence<StoredLogRecords, String> {
        map { format.format($0.record) }
    }
}
