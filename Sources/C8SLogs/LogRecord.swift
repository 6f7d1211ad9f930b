/// One log line of a container, as the log pipeline carries it from the CRI file to the store.
///
/// The CRI parser produces records, the masker rewrites their text, the chunker packs them into chunks,
/// and retrieval hands them back in order.
public struct LogRecord: Sendable, Hashable, Codable {
    /// The output stream a line was written to.
    public enum Stream: String, Sendable, Hashable, Codable {
        case stdout
        case stderr
    }

    /// Time the runtime received the line, in nanoseconds since the Unix epoch (UTC).
    public var timestampNanos: Int64
    /// The stream the container wrote the line to.
    public var stream: Stream
    /// The line's text without its trailing newline; partial (`P`) CRI lines are already joined.
    public var text: String

    public init(timestampNanos: Int64, stream: Stream, text: String) {
        self.timestampNanos = timestampNanos
        self.stream = stream
        self.text = text
    }
}
