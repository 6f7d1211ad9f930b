import Foundation

/// The wire form of a log line, one JSON object per line (NDJSON, `application/x-ndjson`), shared by the agent's live
/// follow endpoint and the coordinator's log API:
///
/// ```
/// {"line":12,"time":"2026-11-25T02:18:04.123456789Z","stream":"stdout","text":"compiling..."}
/// ```
///
/// `line` is the 0-based line number in the container's log; `time` is the runtime's RFC 3339 timestamp with nine
/// fractional digits (UTC). The text is always masked before it is put on the wire.
extension NumberedLogRecord: Codable {
    private enum CodingKeys: String, CodingKey {
        case line, time, stream, text
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let time = try container.decode(String.self, forKey: .time)
        let nanos = Array(time.utf8).withUnsafeBufferPointer { CRITimestamp.parse($0) }
        guard let nanos else {
            throw DecodingError.dataCorruptedError(
                forKey: .time, in: container, debugDescription: "'\(time)' is not an RFC 3339 timestamp")
        }
        self.init(
            lineNumber: try container.decode(Int64.self, forKey: .line),
            record: LogRecord(
                timestampNanos: nanos, stream: try container.decode(LogRecord.Stream.self, forKey: .stream),
                text: try container.decode(String.self, forKey: .text)))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(lineNumber, forKey: .line)
        try container.encode(CRITimestamp.format(record.timestampNanos), forKey: .time)
        try container.encode(record.stream, forKey: .stream)
        try container.encode(record.text, forKey: .text)
    }

    /// The record as one NDJSON line, with its trailing newline.
    public func jsonLine() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of strings and integers cannot fail.
        var bytes = (try? encoder.encode(self)).map(Array.init) ?? []
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// Decodes one NDJSON line (without or with its trailing newline).
    public static func decode(jsonLine: some Collection<UInt8>) throws -> NumberedLogRecord {
        try JSONDecoder().decode(NumberedLogRecord.self, from: Data(jsonLine))
    }
}
