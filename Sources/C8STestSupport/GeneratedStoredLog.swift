import C8SLogs
import Foundation

/// A generated container log of any size, stored as zstd chunks with its index and completion marker the way the
/// log pipeline stores them, built one chunk at a time (memory: one chunk, whatever the size), and the check that a
/// read-back printed exactly its lines.
///
/// Line *n*'s text is `line <n> ` followed by one of 26 fixed fillers (``fillerBytes`` bytes), so the expected
/// output can be regenerated line by line for a byte-for-byte comparison without keeping it.
public struct GeneratedStoredLog: Sendable, Hashable {
    /// Number of lines.
    public var lines: Int
    /// Lines per stored chunk.
    public var linesPerChunk: Int
    /// Bytes of each line's filler.
    public var fillerBytes: Int
    /// The first line's timestamp (nanoseconds since the epoch); line *n* is *n* microseconds later.
    public static let start: Int64 = 1_764_000_000_000_000_000

    public init(lines: Int, linesPerChunk: Int = 20_000, fillerBytes: Int = 180) {
        self.lines = max(0, lines)
        self.linesPerChunk = max(1, linesPerChunk)
        self.fillerBytes = max(0, fillerBytes)
    }

    /// A log of about `bytes` bytes of text (lines and newlines), with about `chunkBytes` of text per chunk.
    public init(approximateBytes bytes: Int, chunkBytes: Int = 4 << 20, fillerBytes: Int = 180) {
        let lineBytes = fillerBytes + 14
        self.init(lines: bytes / lineBytes, linesPerChunk: max(1, chunkBytes / lineBytes), fillerBytes: fillerBytes)
    }

    /// Number of stored chunks.
    public var chunkCount: Int { (lines + linesPerChunk - 1) / linesPerChunk }

    /// The fillers, one per residue of the line number modulo 26.
    private func fillers() -> [String] {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz")
        return (0..<26).map { shift in
            String((0..<fillerBytes).map { alphabet[($0 + shift) % 26] })
        }
    }

    /// The text of line `number`.
    public func text(_ number: Int, fillers: [String]) -> String {
        "line \(number) " + fillers[number % 26]
    }

    /// The record of line `number`.
    public func record(_ number: Int, fillers: [String]) -> LogRecord {
        LogRecord(
            timestampNanos: Self.start + Int64(number) * 1000, stream: number % 7 == 0 ? .stderr : .stdout,
            text: text(number, fillers: fillers))
    }

    /// Stores the log's chunks, index and completion marker at `location` (zstd level 1, one chunk in memory at a
    /// time); returns the index.
    @discardableResult
    public func store(in store: any LogStore, location: LogLocation) async throws -> ChunkIndex {
        let fillers = fillers()
        let compressor = ZstdCompressor(level: 1)
        var index = ChunkIndex()
        var plain: [UInt8] = []
        var cache = TimestampCache()
        var first = 0
        var sequence: Int64 = 0
        while first < lines {
            let end = min(lines, first + linesPerChunk)
            plain.removeAll(keepingCapacity: true)
            for number in first..<end {
                ChunkRecordCodec.encode(record(number, fillers: fillers), into: &plain, cache: &cache)
            }
            let key = location.chunkKey(sequence: sequence)
            let frame = try plain.withUnsafeBytes { try compressor.compress($0, name: key) }
            try await store.put(key, frame)
            try index.add(
                ChunkIndexEntry(
                    sequence: sequence, firstLine: Int64(first), lineCount: Int64(end - first),
                    firstTimestampNanos: record(first, fillers: fillers).timestampNanos,
                    lastTimestampNanos: record(end - 1, fillers: fillers).timestampNanos,
                    compressedBytes: Int64(frame.count), uncompressedBytes: Int64(plain.count)))
            sequence += 1
            first = end
        }
        try await store.put(location.indexKey, index.encoded())
        try await store.put(location.completionKey, LogCompletion(index: index).encoded())
        return index
    }

    /// Bytes of the text lines `lines` with a newline each (what `c8s logs` prints without options).
    public func textBytes(_ lines: Range<Int>, prefix: String = "") -> Int {
        let fillers = fillers()
        return lines.reduce(0) { $0 + prefix.utf8.count + text($1, fillers: fillers).utf8.count + 1 }
    }

    /// Compares the file at `path` with the text of `lines` (each `prefix` + text + newline) byte for byte, reading
    /// the file 1 MiB at a time; returns nil when they are equal, else where they first differ.
    public func mismatch(file path: String, lines: Range<Int>, prefix: String = "") throws -> String? {
        let fillers = fillers()
        guard let handle = FileHandle(forReadingAtPath: path) else { return "cannot open \(path)" }
        defer { try? handle.close() }
        var expected: [UInt8] = []
        var offset = 0
        var number = lines.lowerBound
        func compare() throws -> String? {
            let actual = [UInt8](try handle.read(upToCount: expected.count) ?? Data())
            if actual != expected {
                let common = min(actual.count, expected.count)
                let at = (0..<common).first { actual[$0] != expected[$0] } ?? common
                let got = String(decoding: actual[at..<min(actual.count, at + 80)], as: UTF8.self)
                let want = String(decoding: expected[at..<min(expected.count, at + 80)], as: UTF8.self)
                return "byte \(offset + at) (near line \(number)): got \"\(got)\", expected \"\(want)\""
            }
            offset += expected.count
            expected.removeAll(keepingCapacity: true)
            return nil
        }
        while number < lines.upperBound {
            expected.append(contentsOf: prefix.utf8)
            expected.append(contentsOf: text(number, fillers: fillers).utf8)
            expected.append(0x0A)
            number += 1
            if expected.count >= 1 << 20, let problem = try compare() { return problem }
        }
        if let problem = try compare() { return problem }
        if let extra = try handle.read(upToCount: 80), !extra.isEmpty {
            return "byte \(offset): \(extra.count)+ bytes more than expected: "
                + "\"\(String(decoding: extra, as: UTF8.self))\""
        }
        return nil
    }
}
