/// Accumulates log records and cuts them into chunks: independent zstd frames of CRI-format lines.
///
/// The chunker is deterministic: the boundaries depend only on the records (the size bound and the record-timestamp
/// age bound) and on the flush points the caller asks for, so the same records starting at the same line number
/// give the same chunks, byte for byte — which is why a chunk rewritten after an agent restart has the same key
/// and the same bytes. ``flushIfOlder(now:)`` is the only clock-driven flush point; the ``LogWriter`` makes
/// restarts exact by resuming after the chunks already stored.
public struct Chunker: Sendable {
    public let configuration: ChunkerConfiguration
    /// The sequence number the next sealed chunk gets.
    public private(set) var nextSequence: Int64
    /// The line number (0-based) the next appended record gets.
    public private(set) var nextLineNumber: Int64

    private var buffer: [UInt8] = []
    private var pendingCount: Int = 0
    private var firstTimestamp: Int64 = 0
    private var lastTimestamp: Int64 = 0
    private var timestamps = TimestampCache()
    private let compressor: ZstdCompressor

    /// - Parameters:
    ///   - startSequence: sequence number of the first chunk (the count of chunks already stored).
    ///   - startLineNumber: line number of the first record (the count of lines already stored).
    public init(configuration: ChunkerConfiguration = .init(), startSequence: Int64 = 0, startLineNumber: Int64 = 0) {
        self.configuration = configuration
        self.nextSequence = startSequence
        self.nextLineNumber = startLineNumber
        self.compressor = ZstdCompressor(level: configuration.compressionLevel)
        buffer.reserveCapacity(min(configuration.maxUncompressedBytes, 4 << 20) + 4096)
    }

    /// Number of records waiting for the next chunk.
    public var pendingLineCount: Int { pendingCount }
    /// Encoded bytes waiting for the next chunk.
    public var pendingBytes: Int { buffer.count }
    /// Timestamp of the oldest pending record, if any.
    public var pendingFirstTimestamp: Int64? { pendingCount > 0 ? firstTimestamp : nil }

    /// Adds a record; appends to `sealed` the chunks that it completes (zero, one or two).
    public mutating func append(_ record: LogRecord, sealing sealed: inout [Chunk]) throws(ChunkError) {
        let size = ChunkRecordCodec.encodedSize(of: record)
        if pendingCount > 0
            && (buffer.count + size > configuration.maxUncompressedBytes
                || record.timestampNanos &- firstTimestamp >= configuration.maxAgeNanos)
        {
            sealed.append(try seal())
        }
        if pendingCount == 0 { firstTimestamp = record.timestampNanos }
        lastTimestamp = record.timestampNanos
        ChunkRecordCodec.encode(record, into: &buffer, cache: &timestamps)
        pendingCount += 1
        nextLineNumber += 1
        if buffer.count >= configuration.maxUncompressedBytes { sealed.append(try seal()) }
    }

    /// Adds records in order and returns the chunks they complete.
    public mutating func append(contentsOf records: some Sequence<LogRecord>) throws(ChunkError) -> [Chunk] {
        var sealed: [Chunk] = []
        for record in records { try append(record, sealing: &sealed) }
        return sealed
    }

    /// Seals the pending records into a chunk now (an explicit flush point), or returns nil when none are pending.
    public mutating func flush() throws(ChunkError) -> Chunk? {
        pendingCount > 0 ? try seal() : nil
    }

    /// Seals the pending records if the oldest is at least the age bound older than `now` (nanoseconds, same clock as
    /// the records' timestamps).
    public mutating func flushIfOlder(now: Int64) throws(ChunkError) -> Chunk? {
        guard pendingCount > 0, now &- firstTimestamp >= configuration.maxAgeNanos else { return nil }
        return try seal()
    }

    private mutating func seal() throws(ChunkError) -> Chunk {
        let sequence = nextSequence
        let name = ChunkKey.name(sequence: sequence)
        let compressed: Result<[UInt8], ChunkError> = buffer.withUnsafeBytes { raw in
            Result { () throws(ChunkError) in try compressor.compress(raw, name: name) }
        }
        let data = try compressed.get()
        let entry = ChunkIndexEntry(
            sequence: sequence,
            firstLine: nextLineNumber - Int64(pendingCount),
            lineCount: Int64(pendingCount),
            firstTimestampNanos: firstTimestamp,
            lastTimestampNanos: lastTimestamp,
            compressedBytes: Int64(data.count),
            uncompressedBytes: Int64(buffer.count)
        )
        buffer.removeAll(keepingCapacity: true)
        pendingCount = 0
        nextSequence += 1
        return Chunk(entry: entry, data: data)
    }
}
