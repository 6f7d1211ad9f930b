import C8SAPI
import C8SKube
import Foundation

/// The `c8s get runs` table: NAME, CONFIG, COMMIT, PHASE, AGE, DURATION, oldest run first (the newest is next to the
/// prompt).
public enum RunTable {
    public static let headers = ["NAME", "CONFIG", "COMMIT", "PHASE", "AGE", "DURATION"]

    /// How many characters of a commit the table shows.
    public static let commitLength = 7

    /// The table of `runs` as seen at `now`.
    public static func table(_ runs: [PipelineRun], now: Date) -> TextTable {
        let sorted = runs.sorted { left, right in
            let a = left.metadata.creationTimestamp?.date ?? .distantPast
            let b = right.metadata.creationTimestamp?.date ?? .distantPast
            return a == b ? (left.metadata.name ?? "") < (right.metadata.name ?? "") : a < b
        }
        return TextTable(headers: headers, rows: sorted.map { row($0, now: now) })
    }

    /// One row.
    public static func row(_ run: PipelineRun, now: Date) -> [String] {
        [
            run.metadata.name ?? "",
            run.spec.pipelineConfigRef.name,
            run.spec.commit.map { String($0.prefix(commitLength)) } ?? "-",
            phase(run),
            run.metadata.creationTimestamp.map { HumanDuration.format(seconds: now.timeIntervalSince($0.date)) }
                ?? "<unknown>",
            duration(start: run.status?.startTime?.date, end: run.status?.completionTime?.date, now: now),
        ]
    }

    /// The run's phase; a run the coordinator has not seen yet is `Pending`, a requested cancellation shows.
    public static func phase(_ run: PipelineRun) -> String {
        let phase = run.status?.phase ?? .pending
        if run.spec.cancel == true && !phase.isTerminal { return "Cancelling" }
        return phase.rawValue
    }

    /// How long something ran: until `end`, or until `now` while it runs; `-` before it started.
    public static func duration(start: Date?, end: Date?, now: Date) -> String {
        guard let start else { return "-" }
        return HumanDuration.format(seconds: (end ?? now).timeIntervalSince(start))
    }
}
