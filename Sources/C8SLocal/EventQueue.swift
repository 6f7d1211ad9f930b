import Foundation

/// What wakes the local run loop.
enum LocalEvent: Sendable {
    /// A step's process exited and its output is drained: raw `waitpid` status.
    case exited(step: String, status: Int32)
    /// SIGINT or SIGTERM: cancel the run.
    case cancel
}

/// A thread-safe queue the run loop waits on, with a deadline.
final class EventQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [LocalEvent] = []

    func push(_ event: LocalEvent) {
        condition.lock()
        events.append(event)
        condition.signal()
        condition.unlock()
    }

    /// The next event, or nil once `timeout` seconds passed without one (nil timeout waits forever).
    func next(timeout: Double?) -> LocalEvent? {
        condition.lock()
        defer { condition.unlock() }
        let limit = timeout.map { Date().addingTimeInterval(max(0, $0)) }
        while events.isEmpty {
            if let limit {
                if !condition.wait(until: limit) { break }
            } else {
                condition.wait()
            }
        }
        return events.isEmpty ? nil : events.removeFirst()
    }
}
