import C8SAPI
import C8SKube
import Foundation

/// The counts behind each PipelineConfig's status (`lastRun`, `totalRuns`, `successRate`), kept incrementally
/// from the top-level runs the coordinator sees, so a finishing run costs O(1) instead of a list of every run of
/// its config. Pure and idempotent: applying the same run twice changes nothing, and a run once seen finished
/// stays finished (a late, older copy of it does not count it as running again).
public struct ConfigRunTally: Sendable, Hashable {
    /// What the tally keeps of one run.
    public struct Entry: Sendable, Hashable {
        public var created: Date
        public var finished: Bool
        public var succeeded: Bool

        public init(created: Date, finished: Bool, succeeded: Bool) {
            self.created = created
            self.finished = finished
            self.succeeded = succeeded
        }
    }

    /// The counts of one config.
    public struct Counts: Sendable, Hashable {
        public var total = 0
        public var finished = 0
        public var succeeded = 0
        /// The newest run by creation time (then name).
        public var last: String?
        var lastCreated = Date.distantPast
    }

    private var entries: [String: [String: Entry]] = [:]
    private var counts: [String: Counts] = [:]

    public init() {}

    /// The config key of a run (`namespace/config`), nil for a matrix child (only top-level runs count).
    public static func configKey(of run: PipelineRun) -> String? {
        guard run.metadata.labels?[C8SLabels.matrixParent] == nil else { return nil }
        return "\(run.metadata.namespace ?? "")/\(run.spec.pipelineConfigRef.name)"
    }

    public func counts(of config: String) -> Counts { counts[config] ?? Counts() }

    /// Adds or updates a run; returns its config key when the counts changed.
    @discardableResult
    public mutating func apply(_ run: PipelineRun) -> String? {
        guard let config = Self.configKey(of: run), let name = run.metadata.name else { return nil }
        let phase = run.status?.phase
        var entry = Entry(
            created: run.metadata.creationTimestamp?.date ?? .distantPast, finished: phase?.isTerminal == true,
            succeeded: phase == .succeeded)
        let old = entries[config]?[name]
        if let old, old.finished { entry = old }
        guard old != entry else { return nil }
        entries[config, default: [:]][name] = entry
        var tally = counts[config] ?? Counts()
        if let old { Self.subtract(old, from: &tally) } else { tally.total += 1 }
        Self.add(entry, to: &tally)
        if tally.last == nil || (entry.created, name) > (tally.lastCreated, tally.last ?? "") {
            tally.last = name
            tally.lastCreated = entry.created
        }
        counts[config] = tally
        return config
    }

    /// Removes a deleted run; returns its config key when the counts changed.
    @discardableResult
    public mutating func remove(_ run: PipelineRun) -> String? {
        guard let config = Self.configKey(of: run), let name = run.metadata.name,
            let old = entries[config]?.removeValue(forKey: name)
        else { return nil }
        var tally = counts[config] ?? Counts()
        Self.subtract(old, from: &tally)
        tally.total -= 1
        if tally.last == name {
            // The newest run went: find the next newest (a deletion of the newest run only).
            let next = entries[config]?.max { ($0.value.created, $0.key) < ($1.value.created, $1.key) }
            tally.last = next?.key
            tally.lastCreated = next?.value.created ?? .distantPast
        }
        if tally.total == 0 {
            counts[config] = nil
            entries[config] = nil
        } else {
            counts[config] = tally
        }
        return config
    }

    private static func add(_ entry: Entry, to counts: inout Counts) {
        if entry.finished { counts.finished += 1 }
        if entry.succeeded { counts.succeeded += 1 }
    }

    private static func subtract(_ entry: Entry, from counts: inout Counts) {
        if entry.finished { counts.finished -= 1 }
        if entry.succeeded { counts.succeeded -= 1 }
    }
}
