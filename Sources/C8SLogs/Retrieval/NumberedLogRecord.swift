/// A log record with its line number (0-based) in the container's log.
public struct NumberedLogRecord: Sendable, Hashable {
    public var lineNumber: Int64
    public var record: LogRecord

    public init(lineNumber: Int64, record: LogRecord) {
        self.lineNumber = lineNumber
        self.record = record
    }
}

/// How retrieval turns records into text lines.
///
/// With both options off a line is the record's text; `timestamps` prefixes the RFC 3339 timestamp (nine fractional
/// digits, UTC) and `stream` the stream name, as in `2026-11-24T23:49:34.123456789Z stderr error: …`.
public struct LogLineFormat: Sendable, Hashable {
    public var timestamps: Bool
    public var stream: Bool

    public init(timestamps: Bool = false, stream: Bool = false) {
        self.timestamps = timestamps
        self.stream = stream
    }

    /// The record as one line, without a trailing newline.
    public func format(_ record: LogRecord) -> String {
        if !timestamps && !stream { return record.text }
        var line = ""
        if timestamps { line += ChunkTimestamp.format(record.timestampNanos) + " " }
        if stream { line += record.stream.rawValue + " " }
        return line + record.text
    }
}
