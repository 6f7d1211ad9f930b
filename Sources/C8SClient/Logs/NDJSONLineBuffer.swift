/// Splits a byte stream into NDJSON lines as chunks arrive (a line may span chunks). Pure value type.
public struct NDJSONLineBuffer: Sendable {
    private var pending: [UInt8] = []
    /// The longest line accepted (a line longer than this is a protocol error).
    public let maximumLineBytes: Int

    public init(maximumLineBytes: Int = 16 << 20) {
        self.maximumLineBytes = maximumLineBytes
    }

    /// Adds `bytes` and returns the lines they complete (without newlines; blank lines dropped).
    public mutating func append(_ bytes: some Sequence<UInt8>) throws(ClientError) -> [[UInt8]] {
        pending.append(contentsOf: bytes)
        var lines: [[UInt8]] = []
        var start = 0
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var line = Array(pending[start..<newline])
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if !line.allSatisfy({ $0 == 32 || $0 == 9 }) { lines.append(line) }
            start = newline + 1
        }
        pending.removeSubrange(..<start)
        guard pending.count <= maximumLineBytes else {
            throw .failed("the coordinator sent a log line longer than \(maximumLineBytes) bytes")
        }
        return lines
    }

    /// The last line when the stream ended without a newline.
    public mutating func finish() -> [UInt8]? {
        defer { pending = [] }
        return pending.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) ? nil : pending
    }
}
