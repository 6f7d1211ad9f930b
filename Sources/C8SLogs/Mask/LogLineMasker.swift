/// Masks a container's log records in order, one ``SecretMasker/Stream`` per stream (stdout and stderr interleave
/// in one CRI file): a form of a secret running across lines of one stream is masked on every line it touches.
///
/// Feed every record of a log in order, also those not passed on (a reader starting at line N masks lines before
/// N too), so that each line is masked the same way whoever reads it. Pure value state.
public struct LogLineMasker: Sendable {
    var out: SecretMasker.Stream
    var err: SecretMasker.Stream

    public init(masker: SecretMasker) {
        out = masker.makeStream()
        err = masker.makeStream()
    }

    /// The next record of the log, masked.
    public mutating func mask(_ record: LogRecord) -> LogRecord {
        record.stream == .stderr ? err.maskLine(record) : out.maskLine(record)
    }
}
