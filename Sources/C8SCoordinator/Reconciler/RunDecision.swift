import C8SAPI
import C8SCore
import C8SKube
import Foundation

/// What one reconcile of a (non-matrix-parent) run should do: the status to write, the Jobs to create and delete,
/// and when to look again. A pure function of the run, its resolved pipeline, its Jobs and Pods, and the time.
public struct RunDecision: Sendable {
    /// The status the run should have.
    public var status: PipelineRun.Status
    /// Steps whose Job must be created.
    public var create: [PipelineStep] = []
    /// Names of Jobs to delete (terminated steps).
    public var delete: [String] = []
    /// When the run must be looked at again at the latest (a step or run deadline).
    public var nextDeadline: Date?

    /// Decides for `run` running `spec`, given its Jobs and Pods by step name.
    public static func decide(
        run: PipelineRun, spec: PipelineSpec, jobs: [String: Job], pods: [String: Pod], now: Date
    ) -> RunDecision {
        var status = run.status ?? PipelineRun.Status()
        status.resolvedSpec = spec
        if status.startTime == nil { status.startTime = KubeTime(now) }
        if status.phase == nil { status.phase = .pending }
        let runStart = status.startTime!.date

        var steps: [String: PipelineRun.StepStatus] = [:]
        for step in status.steps ?? [] { steps[step.name] = step }
        var observed: [String: ObservedStep] = [:]
        for step in spec.steps {
            var current = steps[step.name] ?? PipelineRun.StepStatus(name: step.name, phase: .pending)
            if let phase = current.phase, phase.isTerminal {
                observed[step.name] = ObservedStep(phase: phase)
            } else if let job = jobs[step.name] {
                let observation = StepObservation.observe(job: job, pod: pods[step.name])
                current.apply(observation, jobName: job.metadata.name)
                observed[step.name] = ObservedStep(
                    phase: observation.plannerPhase,
                    startTime: (observation.startTime?.date).map(PlannerTime.init))
            } else if let jobName = current.jobName {
                if Self.mayHaveDeletedJob(run: run, spec: spec, step: step, status: current, now: now) {
                    // This coordinator deletes a Job when the run is cancelled or a timeout passes; when the status
                    // write recording that was lost (a conflict), the planner decides again as for a running step.
                    observed[step.name] = ObservedStep(
                        phase: .running, startTime: (current.startTime?.date).map(PlannerTime.init))
                } else if let pod = pods[step.name], let observation = StepObservation.observe(finishedPod: pod) {
                    // The Job went (a short ttlSecondsAfterFinished) before a reconcile saw it finish; the Pod,
                    // held by the logs finalizer, still tells how the step ended.
                    current.apply(observation, jobName: jobName)
                    observed[step.name] = ObservedStep(phase: observation.plannerPhase)
                } else {
                    current.phase = .failed
                    current.reason = "JobDeleted"
                    current.message = "the step's Job \(jobName) was deleted before the step finished"
                    current.completionTime = current.completionTime ?? KubeTime(now)
                    observed[step.name] = ObservedStep(phase: .failed)
                }
            }
            steps[step.name] = current
        }

        let plan = Planner.plan(
            PlannerInput(
                steps: SelectedSteps.planSteps(run: run, spec: spec),
                observed: observed, now: PlannerTime(now), runStart: PlannerTime(runStart), runTimeout: spec.timeout,
                cancelRequested: run.spec.cancel == true))

        var decision = RunDecision(status: status)
        let byName = Dictionary(spec.steps.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var finished: C8SCore.RunPhase?
        for action in plan.actions {
            switch action {
            case .start(let name):
                guard let step = byName[name] else { continue }
                decision.create.append(step)
                var current = steps[name] ?? PipelineRun.StepStatus(name: name)
                current.phase = .pending
                current.jobName = run.jobName(step: name)
                current.startTime = KubeTime(now)
                current.reason = nil
                current.message = nil
                steps[name] = current
            case .skip(let name, let reason):
                var current = steps[name] ?? PipelineRun.StepStatus(name: name)
                current.phase = .skipped
                switch reason {
                case .dependencyNotSucceeded(let dependency):
                    current.reason = "DependencyNotSucceeded"
                    current.message = "skipped: step \(dependency) did not succeed"
                case .conditionNotMet:
                    current.reason = "ConditionNotMet"
                    current.message = "skipped: the step's when condition does not hold for this run"
                case .runTimedOut:
                    current.reason = "RunTimeout"
                    current.message = "skipped: the run exceeded its timeout"
                }
                steps[name] = current
            case .cancel(let name):
                var current = steps[name] ?? PipelineRun.StepStatus(name: name)
                current.phase = .cancelled
                current.reason = "Cancelled"
                current.message = "the run was cancelled before the step started"
                steps[name] = current
            case .terminate(let name, let reason):
                var current = steps[name] ?? PipelineRun.StepStatus(name: name)
                if let jobName = current.jobName ?? jobs[name]?.metadata.name { decision.delete.append(jobName) }
                current.phase = reason == .cancelled ? .cancelled : .failed
                current.completionTime = KubeTime(now)
                switch reason {
                case .stepTimeout:
                    current.reason = "DeadlineExceeded"
                    current.message =
                        "the step ran longer than its timeout of \(byName[name]?.timeout?.description ?? "?")"
                case .runTimeout:
                    current.reason = "RunTimeout"
                    current.message = "the run exceeded its timeout of \(spec.timeout?.description ?? "?")"
                case .cancelled:
                    current.reason = "Cancelled"
                    current.message = "the run was cancelled"
                }
                steps[name] = current
            case .finish(let phase):
                finished = phase
            }
        }

        status.steps = spec.steps.compactMap { steps[$0.name] }
        let runTimedOut = spec.timeout.map { now >= runStart.addingTimeInterval($0.seconds) } ?? false
        if let finished {
            status.phase = finished
            status.completionTime = status.completionTime ?? KubeTime(now)
            let (reason, message) = Self.outcome(
                finished, spec: spec, steps: status.steps ?? [], runTimedOut: runTimedOut)
            status.message = message
            status.conditions = Self.setCondition(
                status.conditions, status: finished == .succeeded ? "True" : "False", reason: reason,
                message: message, generation: run.metadata.generation, now: now)
        } else {
            let started = (status.steps ?? []).contains { $0.phase != .pending }
            status.phase = started ? .running : .pending
            let total = spec.steps.count
            let done = (status.steps ?? []).filter { $0.phase?.isTerminal == true }.count
            let waiting = (status.steps ?? []).first { $0.phase == .pending && $0.reason != nil }
            status.message =
                waiting.map { "step \($0.name): \($0.message ?? $0.reason ?? "")" }
                ?? "\(done)/\(total) steps finished"
            status.conditions = Self.setCondition(
                status.conditions, status: "Unknown", reason: waiting?.reason ?? (started ? "Running" : "Pending"),
                message: status.message ?? "", generation: run.metadata.generation, now: now)
        }
        status.observedGeneration = run.metadata.generation
        decision.status = status
        decision.nextDeadline = plan.nextDeadline.map { Date(timeIntervalSince1970: $0.seconds) }
        return decision
    }

    /// Whether the coordinator itself would have deleted the step's Job by now: the run is cancelled, or the step's
    /// or the run's timeout has passed.
    static func mayHaveDeletedJob(
        run: PipelineRun, spec: PipelineSpec, step: PipelineStep, status: PipelineRun.StepStatus, now: Date
    ) -> Bool {
        if run.spec.cancel == true { return true }
        if let timeout = spec.timeout, let start = run.status?.startTime?.date,
            now >= start.addingTimeInterval(timeout.seconds)
        {
            return true
        }
        if let timeout = step.timeout, let start = status.startTime?.date,
            now >= start.addingTimeInterval(timeout.seconds)
        {
            return true
        }
        return false
    }

    /// The `Succeeded` condition's reason and the run message for a finished run.
    static func outcome(
        _ phase: C8SCore.RunPhase, spec: PipelineSpec, steps: [PipelineRun.StepStatus], runTimedOut: Bool
    ) -> (String, String) {
        let succeeded = steps.filter { $0.phase == .succeeded }.count
        switch phase {
        case .succeeded:
            return ("Succeeded", "\(succeeded)/\(steps.count) steps succeeded")
        case .cancelled:
            return ("Cancelled", "the run was cancelled")
        case .failed:
            if runTimedOut {
                return ("RunTimeout", "the run exceeded its timeout of \(spec.timeout?.description ?? "?")")
            }
            let allowed = Set(spec.steps.filter(\.allowFailure).map(\.name))
            if let failed = steps.first(where: {
                ($0.phase == .failed && !allowed.contains($0.name)) || $0.phase == .cancelled
            }) {
                let detail = failed.message ?? failed.reason ?? "failed"
                return (
                    failed.reason == "DeadlineExceeded" ? "StepTimeout" : "StepFailed",
                    "step \(failed.name) failed: \(detail)"
                )
            }
            return ("Failed", "the run failed")
        case .pending, .running:
            return (phase.rawValue, phase.rawValue)
        }
    }

    static func setCondition(
        _ conditions: [Condition]?, status: String, reason: String, message: String, generation: Int64?, now: Date
    ) -> [Condition] {
        var conditions = conditions ?? []
        conditions.set(
            Condition(
                type: "Succeeded", status: status, observedGeneration: generation, reason: reason,
                message: message),
            now: KubeTime(now))
        return conditions
    }
}

extension PipelineRun.StepStatus {
    /// Takes what the Job and Pod say.
    mutating func apply(_ observation: StepObservation, jobName: String?) {
        phase = observation.phase
        self.jobName = jobName ?? self.jobName
        podName = observation.podName ?? podName
        nodeName = observation.nodeName ?? nodeName
        startTime = observation.startTime ?? startTime
        completionTime = observation.completionTime ?? completionTime
        exitCode = observation.exitCode ?? exitCode
        reason = observation.reason
        message = observation.message
    }
}
