import C8SCore
import C8SLogs
import Foundation

/// Text reports of recorded local runs, for `c8s get runs --local` (step logs: ``LocalLogs``).
public enum LocalReports {
    /// The columns of `c8s get runs --local`.
    public static let headers = ["RUN", "STATUS", "STEPS", "AGE", "DURATION", "FILE"]

    /// A table of `runs` (oldest first, the newest next to the prompt) as seen at `now`: STATUS is the phase or
    /// `Interrupted`, STEPS the succeeded steps of all, AGE since the start and DURATION until the end (or `now`
    /// while running), both written by `format` (`c8s` passes kubectl's formatting).
    public static func runsTable(_ runs: [RunRecord], now: Date, format: (Double) -> String) -> String {
        var rows = [headers]
        for run in runs.sorted(by: { ($0.startTime, $0.id) < ($1.startTime, $1.id) }) {
            let succeeded = run.steps.filter { $0.phase == .succeeded }.count
            rows.append([
                run.id, run.status, "\(succeeded)/\(run.steps.count)",
                format(now.timeIntervalSince(run.startTime)),
                format((run.endTime ?? now).timeIntervalSince(run.startTime)), run.file,
            ])
        }
        return TerminalReporter.table(rows)
    }

    /// `runs` as JSON (an array of run records, dates in RFC 3339), for `-o json` and `-o yaml`.
    public static func json(_ runs: [RunRecord]) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(runs.sorted { ($0.startTime, $0.id) < ($1.startTime, $1.id) })
    }
}
