import C8SCore
import C8SLogs
import Foundation

/// Text reports of recorded local runs, for `c8s get runs --local` (step logs: ``LocalLogs``).
public enum LocalReports {
    /// A table of every recorded run, oldest first.
    public static func runsTable(_ store: RunStore) -> String {
        let runs = store.list()
        guard !runs.isEmpty else { return "no runs recorded in \(store.root.path)\n" }
        var rows = [["RUN", "PHASE", "STEPS", "STARTED", "DURATION", "FILE"]]
        for run in runs {
            let succeeded = run.steps.filter { $0.phase == .succeeded }.count
            let duration = run.endTime.map { TerminalReporter.format($0.timeIntervalSince(run.startTime)) } ?? "-"
            let started = ChunkTimestamp.format(Int64((run.startTime.timeIntervalSince1970 * 1e9).rounded()))
            rows.append([
                run.id, run.phase.rawValue, "\(succeeded)/\(run.steps.count)", started, duration, run.file,
            ])
        }
        return TerminalReporter.table(rows)
    }
}
