import Logging

/// Ships one container's log records to a ``LogStore``: feeds the ``Chunker``, puts each sealed chunk and then the
/// updated index, and finally the completion marker.
///
/// Restart-safe: ``resume()`` reads the stored index (and adopts a chunk that was stored after the last index
/// update, before a crash), and then ``append(_:lineNumber:)`` ignores records whose line numbers are already
/// stored. So an upstream tailer that resumes from its checkpoint (at or before the stored position, with line
/// numbers) causes neither loss nor duplicates, and the re-cut chunks have the same keys and bytes.
///
/// Calls are served one at a time, in arrival order: a call suspends at every store put, and without that an
/// age-bound ``flushIfOlder(now:)`` arriving during an ``append(contentsOf:firstLineNumber:)`` could seal and
/// index a later chunk before the earlier one was stored.
public actor LogWriter {
    public let location: LogLocation
    private let store: any LogStore
    private var chunker: Chunker
    private var index = ChunkIndex()
    private var resumed = false
    private var finished = false
    private var spooled = false
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private let logger: Logger

    public init(
        store: any LogStore, location: LogLocation, configuration: ChunkerConfiguration = .init(),
        logger: Logger = Logger(label: "c8s.logs.writer")
    ) {
        self.store = store
        self.location = location
        self.chunker = Chunker(configuration: configuration)
        var logger = logger
        logger[metadataKey: "log.location"] = "\(location.prefix)"
        self.logger = logger
    }

    /// Loads what is already stored and returns the line number of the next record to append (0 for a new log).
    @discardableResult
    public func resume() async throws -> Int64 {
        try await exclusively { try await resumeNow() }
    }

    @discardableResult
    private func resumeNow() async throws -> Int64 {
        if resumed { return chunker.nextLineNumber }
        if let bytes = try await store.get(location.indexKey) {
            index = try ChunkIndex.decode(bytes, name: location.indexKey)
        }
        // A chunk stored after the last index update (crash in between) is adopted as is, so its bytes never change.
        let orphanKey = location.chunkKey(sequence: index.nextSequence)
        if let data = try await store.get(orphanKey), let records = try? Chunk.decode(data, name: orphanKey),
            !records.isEmpty
        {
            let plain = records.reduce(0) { $0 + ChunkRecordCodec.encodedSize(of: $1) }
            let entry = ChunkIndexEntry(
                sequence: index.nextSequence, firstLine: index.lineCount, lineCount: Int64(records.count),
                firstTimestampNanos: records.first!.timestampNanos, lastTimestampNanos: records.last!.timestampNanos,
                compressedBytes: Int64(data.count), uncompressedBytes: Int64(plain))
            try index.add(entry, name: location.indexKey)
            try await putTracked(location.indexKey, index.encoded())
            logger.info(
                "adopted a chunk stored before the last index update", metadata: ["chunk.sequence": "\(entry.sequence)"]
            )
        }
        finished = try await store.get(location.completionKey) != nil
        chunker = Chunker(
            configuration: chunker.configuration, startSequence: index.nextSequence, startLineNumber: index.lineCount)
        resumed = true
        return index.lineCount
    }

    /// Appends `record` as line `lineNumber`: a line already stored is ignored (returns false); a gap is an error.
    @discardableResult
    public func append(_ record: LogRecord, lineNumber: Int64) async throws -> Bool {
        try await exclusively { try await appendNow(record, lineNumber: lineNumber) }
    }

    private func appendNow(_ record: LogRecord, lineNumber: Int64) async throws -> Bool {
        try await ensureResumed()
        if lineNumber < chunker.nextLineNumber { return false }
        try refuseIfFinished()
        guard lineNumber == chunker.nextLineNumber else {
            throw LogStoreError(
                .corrupt, request: "append \(location.prefix)",
                message:
                    "line \(lineNumber) appended but the next line is \(chunker.nextLineNumber); lines would be lost")
        }
        var sealed: [Chunk] = []
        try chunker.append(record, sealing: &sealed)
        for chunk in sealed { try await ship(chunk) }
        return true
    }

    /// Appends records numbered from `firstLineNumber`, skipping the ones already stored.
    public func append(contentsOf records: [LogRecord], firstLineNumber: Int64) async throws {
        try await exclusively { try await appendNow(contentsOf: records, firstLineNumber: firstLineNumber) }
    }

    private func appendNow(contentsOf records: [LogRecord], firstLineNumber: Int64) async throws {
        try await ensureResumed()
        guard !records.isEmpty else { return }
        let skip = max(0, min(Int64(records.count), chunker.nextLineNumber - firstLineNumber))
        if skip == Int64(records.count) { return }
        try refuseIfFinished()
        guard firstLineNumber + skip == chunker.nextLineNumber else {
            throw LogStoreError(
                .corrupt, request: "append \(location.prefix)",
                message: "lines from \(firstLineNumber) appended but the next line is \(chunker.nextLineNumber)")
        }
        var sealed: [Chunk] = []
        for record in records.dropFirst(Int(skip)) { try chunker.append(record, sealing: &sealed) }
        for chunk in sealed { try await ship(chunk) }
    }

    /// Appends records as the next lines.
    public func append(contentsOf records: [LogRecord]) async throws {
        try await exclusively {
            try await ensureResumed()
            try await appendNow(contentsOf: records, firstLineNumber: chunker.nextLineNumber)
        }
    }

    /// Line number the next record gets.
    public var nextLineNumber: Int64 { chunker.nextLineNumber }

    /// The index as stored so far.
    public var storedIndex: ChunkIndex { index }

    /// Whether some put went to the store's spool instead of the store.
    public var hasSpooledPuts: Bool { spooled }

    /// Ships the pending records if the oldest is older than the age bound at `now` (nanoseconds since the epoch).
    public func flushIfOlder(now: Int64) async throws {
        try await exclusively { try await flushNow(olderThan: now) }
    }

    /// Ships the pending records now.
    public func flush() async throws {
        try await exclusively { try await flushNow(olderThan: nil) }
    }

    private func flushNow(olderThan now: Int64?) async throws {
        if let now {
            if let chunk = try chunker.flushIfOlder(now: now) { try await ship(chunk) }
        } else if let chunk = try chunker.flush() {
            try await ship(chunk)
        }
    }

    /// Ships the pending records, the final index and the completion marker. Idempotent: finishing a log that is
    /// already complete (e.g. after an agent restart) returns its completion without writing anything.
    @discardableResult
    public func finish() async throws -> LogCompletion {
        try await exclusively { try await finishNow() }
    }

    private func finishNow() async throws -> LogCompletion {
        try await ensureResumed()
        if finished { return LogCompletion(index: index) }
        try await flushNow(olderThan: nil)
        // The final index is put again even when unchanged, so the marker never precedes it.
        try await putTracked(location.indexKey, index.encoded())
        let completion = LogCompletion(index: index)
        try await putTracked(location.completionKey, completion.encoded())
        finished = true
        return completion
    }

    private func ensureResumed() async throws {
        if !resumed { try await resumeNow() }
    }

    /// Runs `body` once every call that arrived earlier has finished.
    private func exclusively<T>(_ body: () async throws -> T) async throws -> T {
        while busy { await withCheckedContinuation { waiting.append($0) } }
        busy = true
        defer {
            busy = false
            if !waiting.isEmpty { waiting.removeFirst().resume() }
        }
        return try await body()
    }

    private func refuseIfFinished() throws {
        if finished {
            throw LogStoreError(
                .corrupt, request: "append \(location.prefix)",
                message:
                    "the log is already complete with \(index.lineCount) lines; line \(chunker.nextLineNumber) is new")
        }
    }

    private func ship(_ chunk: Chunk) async throws {
        try await putTracked(location.chunkKey(sequence: chunk.entry.sequence), chunk.data)
        try index.add(chunk.entry, name: location.indexKey)
        try await putTracked(location.indexKey, index.encoded())
    }

    private func putTracked(_ key: String, _ data: [UInt8]) async throws {
        if try await store.put(key, data) == .spooled { spooled = true }
    }
}
