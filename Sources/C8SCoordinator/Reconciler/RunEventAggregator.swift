import C8SAPI
import C8SKube

/// How the coordinator's Events about runs are aggregated and bounded, like client-go's event recorder: a note
/// identical to one already recorded about the same run (same type, reason and message) bumps that Event's
/// `count` instead of creating another, and at most ``maxEventsPerRun`` Events are written per run (the rest are
/// dropped, counted in ``dropped(run:)``). Pure: the reconciler performs the writes it answers.
public struct RunEventAggregator: Sendable {
    /// Most Event writes (creations and count bumps) per run.
    public static let maxEventsPerRun = 64
    /// Most runs tracked at once; the oldest finished runs are forgotten first.
    public static let maxTrackedRuns = 10_000

    /// What to write for one note.
    public enum Action: Sendable, Hashable {
        /// Create the Event with this name (count 1).
        case create(name: String)
        /// Set the count of the existing Event with this name.
        case bump(name: String, count: Int32)
        /// The run's cap was reached: write nothing.
        case drop
    }

    struct Series: Hashable {
        var type: String
        var reason: String
        var message: String
    }

    struct RunState {
        var sequence: UInt64
        var writes = 0
        var dropped = 0
        var series: [Series: (name: String, count: Int32)] = [:]
    }

    private var runs: [String: RunState] = [:]
    /// Runs in the order they were first tracked, with their sequence number (entries of forgotten runs are
    /// skipped lazily and compacted away when they outnumber the live ones).
    private var order: [(run: String, sequence: UInt64)] = []
    private var orderStart = 0
    private var nextSequence: UInt64 = 0

    public init() {}

    /// The action for `note` about the run with uid `run`; `name` is the Event name to use when one is created.
    public mutating func action(for note: RunEventNote, run: String, name: String) -> Action {
        if runs[run] == nil {
            while runs.count >= Self.maxTrackedRuns, orderStart < order.count {
                let oldest = order[orderStart]
                orderStart += 1
                if runs[oldest.run]?.sequence == oldest.sequence { runs[oldest.run] = nil }
            }
            nextSequence += 1
            runs[run] = RunState(sequence: nextSequence)
            order.append((run, nextSequence))
            if order.count - orderStart > 2 * Self.maxTrackedRuns || orderStart > Self.maxTrackedRuns {
                order = order[orderStart...].filter { runs[$0.run]?.sequence == $0.sequence }
                orderStart = 0
            }
        }
        guard runs[run]!.writes < Self.maxEventsPerRun else {
            runs[run]!.dropped += 1
            return .drop
        }
        runs[run]!.writes += 1
        let key = Series(type: note.type, reason: note.reason, message: note.message)
        if let existing = runs[run]!.series[key] {
            let count = existing.count + 1
            runs[run]!.series[key] = (existing.name, count)
            return .bump(name: existing.name, count: count)
        }
        runs[run]!.series[key] = (name, 1)
        return .create(name: name)
    }

    /// Notes dropped for a run because its cap was reached.
    public func dropped(run: String) -> Int { runs[run]?.dropped ?? 0 }

    /// Forgets a run (it finished or was deleted).
    public mutating func forget(run: String) {
        runs[run] = nil
    }

    /// How many runs are tracked.
    public var trackedRuns: Int { runs.count }
}
