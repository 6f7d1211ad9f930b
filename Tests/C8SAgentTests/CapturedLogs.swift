import Logging
import Synchronization

/// Log messages captured in memory (with their metadata rendered), to check what the agent logs.
final class CapturedLogs: Sendable {
    private struct Waiter {
        var text: String
        var continuation: CheckedContinuation<Void, Never>
    }

    private let lines = Mutex<[String]>([])
    private let waiters = Mutex<[Waiter]>([])

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
        let ready = waiters.withLock { waiters in
            let ready = waiters.filter { line.contains($0.text) }
            waiters.removeAll { line.contains($0.text) }
            return ready
        }
        for waiter in ready { waiter.continuation.resume() }
    }

    /// Waits until a line containing `text` is logged (use with a deadline).
    func waitForLine(containing text: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let found = waiters.withLock { waiters in
                if lines.withLock({ $0.contains { $0.contains(text) } }) { return true }
                waiters.append(Waiter(text: text, continuation: continuation))
                return false
            }
            if found { continuation.resume() }
        }
    }

    var all: [String] { lines.withLock { $0 } }
    var text: String { all.joined(separator: "\n") }

    /// A logger writing into this capture (everything from `level` up).
    func logger(_ label: String, level: Logger.Level = .debug) -> Logger {
        var logger = Logger(label: label) { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    struct Handler: LogHandler {
        let capture: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .debug

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var all = metadata
            for (key, value) in event.metadata ?? [:] { all[key] = value }
            let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append("\(event.level) \(event.message) \(rendered)")
        }
    }
}
