import C8SAPI

/// The agent's part of a run's status: a step's `logs` and `logURL` (pure).
enum StepLogStatus {
    /// Sets `logs` and `logURL` of `step` in `status` (adding the step's entry when the coordinator has not yet),
    /// leaving every other field as it is. Returns whether anything changed.
    ///
    /// A summary never goes backwards: a write from an agent that restarted and has not caught up yet keeps the
    /// larger counts already there, and a complete summary stays complete.
    static func apply(
        summary: PipelineRun.LogSummary, logURL: String, step: String, to status: inout PipelineRun.Status
    ) -> Bool {
        var steps = status.steps ?? []
        let position =
            steps.firstIndex { $0.name == step }
            ?? {
                steps.append(PipelineRun.StepStatus(name: step))
                return steps.count - 1
            }()
        var entry = steps[position]
        let old = entry.logs
        var merged = summary
        if let old, old.complete == true, summary.complete != true {
            merged = old
        } else if let old, (old.lines ?? 0) > (summary.lines ?? 0), summary.complete != true {
            merged = old
        }
        entry.logs = merged
        entry.logURL = logURL
        steps[position] = entry
        guard steps != (status.steps ?? []) else { return false }
        status.steps = steps
        return true
    }
}
