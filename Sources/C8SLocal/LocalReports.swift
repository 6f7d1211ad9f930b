import C8SCore
import C8SLogs
import Foundation

/// Text reports of recorded local runs, for `c8s get runs --local` and `c8s logs --local`.
public enum LocalReports {
    /// A table of every recorded run, oldest first.
    public static func runsTable(_ store: RunStore) -> String {
        let runs = store.list()
        guard !runs.isEmpty else { return "no runs recorded in \(store.root.path)\n" }
        var rows = [["RUN", "PHASE", "STEPS", "STARTED", "DURATION", "FILE"]]
        for run in runs {
            let succeeded = run.steps.filter { $0.phase == .succeeded }.count
            let duration = run.endTime.map { TerminalReporter.format($0.timeIntervalSince(run.startTime)) } ?? "-"
            rows.append([
                run.id, run.phase.rawValue, "\(succeeded)/\(run.steps.count)", FileStepOutput.format(run.startTime),
                duration, run.file,
            ])
        }
        return TerminalReporter.table(rows)
    }

    /// The recorded output of one step of a run (`step` may be a full key or a step name matching one key),
    /// or of every step, each line prefixed with its step, when `step` is nil.
    public static func logs(
        _ store: RunStore,
        run id: String,
        step: String?,
        reader: (any StepOutputReader)? = nil
    ) throws(LocalError) -> String {
        let record = try store.load(id)
        let reader = reader ?? FileStepOutput(store: store)
        if let step {
            let matches = record.steps.filter { $0.key == step }.isEmpty
                ? record.steps.filter { $0.name == step } : record.steps.filter { $0.key == step }
            guard let match = matches.first else {
                throw .notFound(
                    "run \(id) has no step \"\(step)\"; its steps: \(record.steps.map(\.key).joined(separator: ", "))"
                )
            }
            guard matches.count == 1 else {
                throw .usage(
                    "step \"\(step)\" ran for several matrix combinations; name one of: "
                        + matches.map(\.key).joined(separator: ", ")
                )
            }
            return try reader.records(run: id, step: match.key).map { $0.text + "\n" }.joined()
        }
        let width = record.steps.map(\.key.count).max() ?? 0
        var text = ""
        for step in record.steps {
            for line in try reader.records(run: id, step: step.key) {
                text += step.key.padding(toLength: width, withPad: " ", startingAt: 0) + " | " + line.text + "\n"
            }
        }
        return text
    }
}
