import Foundation
import Synchronization

/// The thread-safe home of one `APIState`: every request runs one synchronous state operation under the lock, so
/// resourceVersions, events and watch deliveries are totally ordered.
final class APIStore: Sendable {
    private let state: Mutex<APIState>
    private let tallies = Mutex<[APIRequestTally: Int]>([:])

    /// Counts one request.
    func count(_ tally: APIRequestTally) {
        tallies.withLock { $0[tally, default: 0] += 1 }
    }

    /// The requests counted so far.
    var requestCounts: [APIRequestTally: Int] { tallies.withLock { $0 } }

    init(eventHistoryLimit: Int) {
        state = Mutex(APIState(eventHistoryLimit: eventHistoryLimit))
    }

    /// Runs `body` on the state under the lock.
    func withState<T: Sendable>(_ body: (inout APIState) throws -> T) throws -> T {
        try state.withLock { state in try body(&state) }
    }

    /// Runs a write; with `dryRun` it runs on a copy that is thrown away (nothing stored, no events delivered).
    func write(dryRun: Bool, _ body: (inout APIState) throws -> WriteResult) throws -> WriteResult {
        try state.withLock { state in
            if dryRun {
                var copy = state
                copy.dryRun = true
                return try body(&copy)
            }
            return try body(&state)
        }
    }

    func read<T: Sendable>(_ body: (APIState) throws -> T) rethrows -> T {
        try state.withLock { state in try body(state) }
    }

    func endAllWatches() {
        state.withLock { $0.endAllWatches() }
    }

    func close() {
        state.withLock { state in
            state.closed = true
            state.endAllWatches()
        }
    }

    func compactHistory() {
        state.withLock { $0.compactHistory() }
    }
}
