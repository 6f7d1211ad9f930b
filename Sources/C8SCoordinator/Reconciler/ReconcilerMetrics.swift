import C8SAPI
import CoreMetrics

/// The reconciler's metrics, created once; the only label is a phase (a bounded set).
///
/// - `c8s_runs_started_total`: runs the reconciler started.
/// - `c8s_runs_finished_total{phase}`: runs that finished, by final phase.
/// - `c8s_steps_finished_total{phase}`: steps that finished, by final phase.
/// - `c8s_reconciler_queue_depth`: run keys waiting in the work queue.
public struct ReconcilerMetrics: Sendable {
    let runsStarted: Counter
    let runsFinished: [PipelineRun.Phase: Counter]
    let stepsFinished: [PipelineRun.StepPhase: Counter]
    let queueDepth: Gauge

    /// Metrics made by `factory` (the bootstrapped `MetricsSystem.factory` by default).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        runsStarted = Counter(label: "c8s_runs_started_total", factory: factory)
        var runs: [PipelineRun.Phase: Counter] = [:]
        for phase in [PipelineRun.Phase.succeeded, .failed, .cancelled] {
            runs[phase] = Counter(
                label: "c8s_runs_finished_total", dimensions: [("phase", phase.rawValue)], factory: factory)
        }
        runsFinished = runs
        var steps: [PipelineRun.StepPhase: Counter] = [:]
        for phase in [PipelineRun.StepPhase.succeeded, .failed, .skipped, .cancelled] {
            steps[phase] = Counter(
                label: "c8s_steps_finished_total", dimensions: [("phase", phase.rawValue)], factory: factory)
        }
        stepsFinished = steps
        queueDepth = Gauge(label: "c8s_reconciler_queue_depth", factory: factory)
    }

    /// Counts what changed between two statuses of a run.
    func record(from old: PipelineRun.Status?, to new: PipelineRun.Status) {
        if old?.startTime == nil, new.startTime != nil { runsStarted.increment() }
        for step in new.steps ?? [] {
            guard let phase = step.phase, phase.isTerminal, old?[step: step.name]?.phase != phase else { continue }
            stepsFinished[phase]?.increment()
        }
        if let phase = new.phase, phase.isTerminal, old?.phase != phase { runsFinished[phase]?.increment() }
    }
}
