/// How the ``Chunker`` cuts and compresses chunks.
///
/// - `maxUncompressedBytes`: a chunk is sealed before it would exceed this many encoded bytes (default 4 MiB);
///   a single larger record makes a chunk of its own.
/// - `maxAgeNanos`: a chunk is sealed before a record whose timestamp is this much later than the chunk's first
///   record (default 2 s); ``Chunker/flushIfOlder(now:)`` also seals an idle chunk by this bound.
/// - `compressionLevel`: the zstd level (default 3).
public struct ChunkerConfiguration: Sendable, Hashable {
    public var maxUncompressedBytes: Int
    public var maxAgeNanos: Int64
    public var compressionLevel: Int32

    public init(maxUncompressedBytes: Int = 4 << 20, maxAgeNanos: Int64 = 2_000_000_000, compressionLevel: Int32 = 3) {
        self.maxUncompressedBytes = max(1, maxUncompressedBytes)
        self.maxAgeNanos = max(1, maxAgeNanos)
        self.compressionLevel = compressionLevel
    }
}
