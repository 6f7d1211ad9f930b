import Foundation
import Synchronization

/// What wakes the local run loop.
enum LocalEvent: Sendable {
    /// A step's process exited and its output is drained: raw `waitpid` status.
    case exited(step: String, status: Int32)
    /// SIGINT or SIGTERM: cancel the run.
    case cancel
}

/// A thread-safe queue the run loop waits on, with a deadline. Pushing and taking cost constant time.
final class EventQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [LocalEvent] = []
    private var head = 0
    private let cancelled = Atomic<Bool>(false)

    func push(_ event: LocalEvent) {
        if case .cancel = event { cancelled.store(true, ordering: .releasing) }
        condition.lock()
        events.append(event)
        condition.signal()
        condition.unlock()
    }

    /// Whether a cancellation was pushed (taken or not): the loop checks it between the steps it starts.
    var cancelPushed: Bool { cancelled.load(ordering: .acquiring) }

    /// The next event, or nil once `timeout` seconds passed without one (nil timeout waits forever; 0 does not wait).
    func next(timeout: Double?) -> LocalEvent? {
        condition.lock()
        defer { condition.unlock() }
        let limit = timeout.map { Date().addingTimeInterval(max(0, $0)) }
        while head == events.count {
            if let limit {
                if limit <= Date() || !condition.wait(until: limit) { break }
            } else {
                condition.wait()
            }
        }
        guard head < events.count else { return nil }
        let event = events[head]
        head += 1
        if head == events.count {
            events.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= events.count {
            events.removeFirst(head)
            head = 0
        }
        return event
    }
}
