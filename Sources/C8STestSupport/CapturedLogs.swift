import Logging
import Synchronization

/// Log lines captured in memory, for tests: what a component logged (each message rendered with its label, level,
/// metadata and error) and the output lines of child processes. Loggers made here never touch the global logging
/// bootstrap.
public final class CapturedLogs: Sendable {
    private struct Waiter {
        var text: String
        var continuation: CheckedContinuation<Void, Never>
    }

    private let lines = Mutex<[String]>([])
    private let waiters = Mutex<[Waiter]>([])

    /// Creates an empty capture.
    public init() {}

    /// A logger whose every message from `level` up is kept here.
    public func logger(_ label: String, level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: label) { label in Handler(label: label, capture: self) }
        logger.logLevel = level
        return logger
    }

    /// A handler writing into this capture (for `Logger(label:factory:)`).
    public func handler(label: String) -> some LogHandler { Handler(label: label, capture: self) }

    /// Keeps one line (a rendered message, or a line a child process printed).
    public func append(_ line: String) {
        lines.withLock { $0.append(line) }
        let ready = waiters.withLock { waiters in
            let ready = waiters.filter { line.contains($0.text) }
            waiters.removeAll { line.contains($0.text) }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Waits until a line containing `text` is kept (use with ``withDeadline(_:_:lastSeen:_:)``).
    public func waitForLine(containing text: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let found = waiters.withLock { waiters in
                if lines.withLock({ $0.contains { $0.contains(text) } }) { return true }
                waiters.append(Waiter(text: text, continuation: continuation))
                return false
            }
            if found { continuation.resume() }
        }
    }

    /// Every line so far.
    public var all: [String] { lines.withLock { $0 } }
    /// Every line so far, joined by newlines.
    public var text: String { all.joined(separator: "\n") }
    /// How many lines were kept.
    public var count: Int { lines.withLock { $0.count } }

    struct Handler: LogHandler {
        let label: String
        let capture: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var all = metadata
            if let extra = event.metadata { all.merge(extra) { $1 } }
            let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let error = event.error.map { " error=\($0)" } ?? ""
            capture.append("\(label) \(event.level) \(event.message) \(rendered)\(error)")
        }
    }
}
