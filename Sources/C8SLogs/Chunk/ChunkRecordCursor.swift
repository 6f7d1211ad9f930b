#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decodes the records of an uncompressed chunk (``ChunkRecordCodec``'s encoding) one at a time, so a reader holds
/// the chunk's bytes and one record rather than every record of the chunk. Lines are found with `memchr`; partial
/// (`P`) lines are joined with the following line.
public struct ChunkRecordCursor: Sendable {
    private let bytes: [UInt8]
    private let name: String
    private var start = 0
    private var lineNumber = 0
    private var partial: [UInt8] = []
    private var partialStarted = false

    /// - Parameter name: what to call the input in errors (usually the chunk's key).
    public init(_ bytes: [UInt8], name: String) {
        self.bytes = bytes
        self.name = name
    }

    /// The next record, or nil after the last.
    public mutating func next() throws(ChunkError) -> LogRecord? {
        try advance(decodingText: true)
    }

    /// Passes over the next record without building its text; returns false after the last.
    public mutating func skip() throws(ChunkError) -> Bool {
        try advance(decodingText: false) != nil
    }

    private mutating func advance(decodingText: Bool) throws(ChunkError) -> LogRecord? {
        let name = self.name
        var start = self.start
        var lineNumber = self.lineNumber
        var partial = self.partial
        var partialStarted = self.partialStarted
        self.partial = []
        defer {
            self.start = start
            self.lineNumber = lineNumber
            self.partial = partial
            self.partialStarted = partialStarted
        }
        return try bytes.withUnsafeBufferPointer { (all) throws(ChunkError) -> LogRecord? in
            while start < all.count {
                let base = all.baseAddress!
                let end =
                    memchr(base + start, 0x0A, all.count - start)
                    .map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self) - base } ?? all.count
                lineNumber += 1
                let line = UnsafeBufferPointer(rebasing: all[start..<end])
                start = end + 1
                if line.isEmpty { continue }
                guard let parsed = ChunkRecordCodec.parseLine(line) else {
                    throw ChunkError.malformedRecord(name: name, line: lineNumber)
                }
                let text = UnsafeBufferPointer(rebasing: line[parsed.textStart...])
                if parsed.partial {
                    if !partialStarted { partial.removeAll(keepingCapacity: true) }
                    partialStarted = true
                    partial.append(contentsOf: text)
                    continue
                }
                var decoded = ""
                if partialStarted {
                    partial.append(contentsOf: text)
                    if decodingText { decoded = String(decoding: partial, as: UTF8.self) }
                    partial.removeAll()
                    partialStarted = false
                } else if decodingText {
                    decoded = String(decoding: text, as: UTF8.self)
                }
                return LogRecord(timestampNanos: parsed.timestamp, stream: parsed.stream, text: decoded)
            }
            if partialStarted { throw ChunkError.malformedRecord(name: name, line: lineNumber) }
            return nil
        }
    }
}
