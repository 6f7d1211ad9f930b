import Foundation
import Logging
import Synchronization

/// Log lines captured in memory: the coordinator's and the agents' own logs in the simulated installation, and the
/// output of `c8s-agent` processes. Loggers made here never touch the global logging bootstrap.
final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])

    /// A logger whose every message (with its metadata) is kept here.
    func logger(label: String, level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: label) { label in CapturingLogHandler(label: label, sink: self) }
        logger.logLevel = level
        return logger
    }

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    /// Everything captured so far, one line per message.
    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    var count: Int { lines.withLock { $0.count } }
}

/// A `LogHandler` that renders each message with its label, level and metadata into ``CapturedLogs``.
struct CapturingLogHandler: LogHandler {
    let label: String
    let sink: CapturedLogs
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let error = event.error.map { " error=\($0)" } ?? ""
        sink.append("\(label) \(event.level) \(event.message) \(rendered)\(error)")
    }
}
