/// One stored piece of a container's log: an independent zstd frame of encoded records and its index entry.
public struct Chunk: Sendable, Hashable {
    /// What the index lists about this chunk.
    public var entry: ChunkIndexEntry
    /// The zstd frame (see ``ChunkRecordCodec`` for what it decompresses to).
    public var data: [UInt8]

    public init(entry: ChunkIndexEntry, data: [UInt8]) {
        self.entry = entry
        self.data = data
    }

    /// The chunk's object name inside its container's directory, e.g. `chunk-000000000042.zst`.
    public var name: String { ChunkKey.name(sequence: entry.sequence) }

    /// Decompresses and decodes the chunk's records.
    public func records() throws(ChunkError) -> [LogRecord] {
        try Chunk.decode(data, name: name)
    }

    /// Decompresses and decodes a stored chunk frame.
    public static func decode(_ data: [UInt8], name: String) throws(ChunkError) -> [LogRecord] {
        let plain = try ZstdDecompressor.shared.decompress(data, name: name)
        return try ChunkRecordCodec.decode(plain, name: name)
    }
}

extension ZstdDecompressor {
    /// A process-wide decompression context (decompression is fast; the mutex is rarely contended).
    package static let shared = ZstdDecompressor()
}

/// Names of chunk objects: zero-padded sequence numbers, so lexical order is numeric order.
public enum ChunkKey {
    /// `chunk-` followed by the sequence number padded to 12 digits, then `.zst`.
    public static func name(sequence: Int64) -> String {
        let digits = String(sequence)
        return "chunk-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".zst"
    }

    /// The sequence number in a chunk object's name, or nil when `name` is not a chunk name.
    public static func sequence(ofName name: Substring) -> Int64? {
        guard name.hasPrefix("chunk-"), name.hasSuffix(".zst") else { return nil }
        return Int64(name.dropFirst(6).dropLast(4))
    }
}
