import Foundation

/// What the planner needs to know about one step of a resolved pipeline.
public struct PlanStep: Sendable, Hashable, Codable {
    /// Unique key of the step within the run (the step name, or name plus matrix values when several
    /// combinations run together).
    public var id: String
    /// Keys of the steps it depends on.
    public var dependsOn: [String]
    /// Step timeout.
    public var timeout: PipelineDuration?
    /// A failure of this step neither fails the run nor skips its dependents.
    public var allowFailure: Bool
    /// False when the step's `when` condition does not hold for this run: it is skipped.
    public var enabled: Bool

    public init(
        id: String,
        dependsOn: [String] = [],
        timeout: PipelineDuration? = nil,
        allowFailure: Bool = false,
        enabled: Bool = true
    ) {
        self.id = id
        self.dependsOn = dependsOn
        self.timeout = timeout
        self.allowFailure = allowFailure
        self.enabled = enabled
    }

    /// The plan steps of a resolved pipeline, keyed by step name, with `when` evaluated for the trigger.
    public static func steps(
        of spec: PipelineSpec,
        branch: String? = nil,
        event: String? = nil,
        changedPaths: [String]? = nil
    ) -> [PlanStep] {
        spec.steps.map { step in
            PlanStep(
                id: step.name,
                dependsOn: step.dependsOn,
                timeout: step.timeout,
                allowFailure: step.allowFailure,
                enabled: step.when?.matches(branch: branch, event: event, changedPaths: changedPaths) ?? true
            )
        }
    }
}

/// The observed state of one step, as the executor (local processes or Kubernetes Jobs) reports it.
public struct ObservedStep: Sendable, Hashable, Codable {
    /// Current phase.
    public var phase: StepPhase
    /// When the step started running.
    public var startTime: PlannerTime?
    /// Set once the executor acted on a ``PlannerAction/terminate(_:_:)``, so it is not asked again.
    public var termination: TerminationReason?

    public init(phase: StepPhase = .pending, startTime: PlannerTime? = nil, termination: TerminationReason? = nil) {
        self.phase = phase
        self.startTime = startTime
        self.termination = termination
    }
}

/// A point in time for the planner, in seconds since an arbitrary epoch shared by one run
/// (the Unix epoch for the Kubernetes reconciler, a monotonic clock for local mode).
public struct PlannerTime: Sendable, Hashable, Comparable, Codable {
    /// Seconds since the epoch.
    public var seconds: Double

    public init(seconds: Double) {
        self.seconds = seconds
    }

    /// The instant of a wall-clock date (seconds since the Unix epoch), for executors that observe dates.
    public init(_ date: Date) {
        self.seconds = date.timeIntervalSince1970
    }

    /// This instant plus a duration.
    public func adding(_ duration: PipelineDuration) -> PlannerTime {
        PlannerTime(seconds: seconds + duration.seconds)
    }

    public static func < (lhs: PlannerTime, rhs: PlannerTime) -> Bool {
        lhs.seconds < rhs.seconds
    }
}

/// Why a running step is stopped.
public enum TerminationReason: String, Sendable, Hashable, Codable {
    /// The step ran longer than its `timeout`; it ends `Failed`.
    case stepTimeout
    /// The run ran longer than its `timeout`; the step ends `Failed`.
    case runTimeout
    /// The run was cancelled; the step ends `Cancelled`.
    case cancelled

    /// The phase the step ends in once stopped.
    public var resultingPhase: StepPhase {
        self == .cancelled ? .cancelled : .failed
    }
}
