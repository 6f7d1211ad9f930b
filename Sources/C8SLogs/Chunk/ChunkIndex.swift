import Foundation

/// What the index lists about one chunk. Line numbers are 0-based; timestamps are nanoseconds since the epoch.
public struct ChunkIndexEntry: Sendable, Hashable, Codable {
    public var sequence: Int64
    public var firstLine: Int64
    public var lineCount: Int64
    public var firstTimestampNanos: Int64
    public var lastTimestampNanos: Int64
    public var compressedBytes: Int64
    public var uncompressedBytes: Int64

    public init(
        sequence: Int64, firstLine: Int64, lineCount: Int64, firstTimestampNanos: Int64, lastTimestampNanos: Int64,
        compressedBytes: Int64, uncompressedBytes: Int64
    ) {
        self.sequence = sequence
        self.firstLine = firstLine
        self.lineCount = lineCount
        self.firstTimestampNanos = firstTimestampNanos
        self.lastTimestampNanos = lastTimestampNanos
        self.compressedBytes = compressedBytes
        self.uncompressedBytes = uncompressedBytes
    }

    /// The line after this chunk's last line.
    public var endLine: Int64 { firstLine + lineCount }
}

/// The index of a container's log (`index.json`): every stored chunk in sequence order.
///
/// Stored as JSON with sorted keys, e.g.
/// `{"chunks":[{"compressedBytes":812,"firstLine":0,"firstTimestampNanos":…,"lastTimestampNanos":…,"lineCount":100,
/// "sequence":0,"uncompressedBytes":5120}],"version":1}`. Chunks are contiguous: chunk *n* has sequence *n* and
/// starts at the line after chunk *n−1*'s last line.
public struct ChunkIndex: Sendable, Hashable, Codable {
    public var version: Int
    public private(set) var chunks: [ChunkIndexEntry]

    public init(chunks: [ChunkIndexEntry] = []) {
        self.version = 1
        self.chunks = chunks
    }

    /// Number of lines the listed chunks hold (= the line number of the next line to store).
    public var lineCount: Int64 { chunks.last?.endLine ?? 0 }
    /// Sequence number of the next chunk.
    public var nextSequence: Int64 { Int64(chunks.count) }
    public var compressedBytes: Int64 { chunks.reduce(0) { $0 + $1.compressedBytes } }
    public var uncompressedBytes: Int64 { chunks.reduce(0) { $0 + $1.uncompressedBytes } }

    /// Adds `entry`. Idempotent: adding an entry the index already lists identically changes nothing.
    ///
    /// - Returns: whether the index changed.
    /// - Throws: when `entry` is not the next chunk or contradicts a listed one.
    @discardableResult
    public mutating func add(_ entry: ChunkIndexEntry, name: String = "index.json") throws(ChunkError) -> Bool {
        if entry.sequence < nextSequence && entry.sequence >= 0 {
            let listed = chunks[Int(entry.sequence)]
            if listed == entry { return false }
            throw .indexConflict(
                name: name,
                message: "chunk \(entry.sequence) is already listed with lines \(listed.firstLine)..<\(listed.endLine) "
                    + "and \(listed.compressedBytes) bytes; "
                    + "refusing a different entry (\(entry.firstLine)..<\(entry.endLine), "
                    + "\(entry.compressedBytes) bytes)")
        }
        guard entry.sequence == nextSequence else {
            throw .indexConflict(name: name, message: "chunk \(entry.sequence) added after chunk \(nextSequence - 1)")
        }
        guard entry.firstLine == lineCount, entry.lineCount > 0 else {
            throw .indexConflict(
                name: name,
                message: "chunk \(entry.sequence) starts at line \(entry.firstLine) with \(entry.lineCount) lines; "
                    + "expected a non-empty chunk starting at line \(lineCount)")
        }
        chunks.append(entry)
        return true
    }

    /// Position in ``chunks`` of the chunk holding `line`, or nil when no listed chunk holds it.
    public func chunkPosition(containingLine line: Int64) -> Int? {
        guard line >= 0, line < lineCount else { return nil }
        var low = 0
        var high = chunks.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if chunks[mid].firstLine <= line { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// The JSON encoding (sorted keys, so equal indexes give equal bytes).
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    /// Decodes and checks an index read from `name`.
    public static func decode(_ bytes: [UInt8], name: String) throws(ChunkError) -> ChunkIndex {
        let index: ChunkIndex
        do {
            index = try JSONDecoder().decode(ChunkIndex.self, from: Data(bytes))
        } catch {
            throw .malformedJSON(name: name, message: "not a c8s chunk index: \(error)")
        }
        guard index.version == 1 else {
            throw .malformedJSON(name: name, message: "index version \(index.version) is not supported (expected 1)")
        }
        var checked = ChunkIndex()
        for entry in index.chunks { try checked.add(entry, name: name) }
        return checked
    }
}

/// The completion marker (`complete.json`): written after the last chunk and the final index.
public struct LogCompletion: Sendable, Hashable, Codable {
    public var version: Int
    public var lines: Int64
    public var chunks: Int64
    public var compressedBytes: Int64
    public var uncompressedBytes: Int64

    public init(index: ChunkIndex) {
        version = 1
        lines = index.lineCount
        chunks = index.nextSequence
        compressedBytes = index.compressedBytes
        uncompressedBytes = index.uncompressedBytes
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(self)) ?? Data())
    }

    public static func decode(_ bytes: [UInt8], name: String) throws(ChunkError) -> LogCompletion {
        do {
            return try JSONDecoder().decode(LogCompletion.self, from: Data(bytes))
        } catch {
            throw .malformedJSON(name: name, message: "not a c8s completion marker: \(error)")
        }
    }
}
