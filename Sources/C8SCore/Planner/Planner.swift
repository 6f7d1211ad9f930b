/// Why the planner skips a step.
public enum SkipReason: Sendable, Hashable, Codable {
    /// A dependency did not succeed (it failed, was skipped or was cancelled).
    case dependencyNotSucceeded(String)
    /// The step's `when` condition does not hold for this run.
    case conditionNotMet
    /// The run timed out before the step could start.
    case runTimedOut
}

/// One thing the executor should do.
public enum PlannerAction: Sendable, Hashable {
    /// Start the step now.
    case start(String)
    /// Mark the pending step `Skipped` without running it.
    case skip(String, SkipReason)
    /// Mark the pending step `Cancelled` without running it.
    case cancel(String)
    /// Stop the running step (kill it); it then ends in `reason.resultingPhase`.
    case terminate(String, TerminationReason)
    /// Every step is final: record the run's final phase.
    case finish(RunPhase)
}

/// Everything the planner looks at.
public struct PlannerInput: Sendable, Hashable {
    /// The steps of the run, in file order.
    public var steps: [PlanStep]
    /// Observed state per step id; a step without an entry is `Pending`.
    public var observed: [String: ObservedStep]
    /// The current time.
    public var now: PlannerTime
    /// When the run started.
    public var runStart: PlannerTime
    /// Limit for the whole run.
    public var runTimeout: PipelineDuration?
    /// Whether cancellation was requested.
    public var cancelRequested: Bool

    public init(
        steps: [PlanStep],
        observed: [String: ObservedStep] = [:],
        now: PlannerTime,
        runStart: PlannerTime,
        runTimeout: PipelineDuration? = nil,
        cancelRequested: Bool = false
    ) {
        self.steps = steps
        self.observed = observed
        self.now = now
        self.runStart = runStart
        self.runTimeout = runTimeout
        self.cancelRequested = cancelRequested
    }
}

/// The planner's answer: actions to take now, and when to ask again at the latest.
public struct Plan: Sendable, Hashable {
    /// Actions in step order; ``PlannerAction/finish(_:)`` comes last when present.
    public var actions: [PlannerAction]
    /// The earliest upcoming step or run deadline, if any; ask again then even if nothing else changes.
    public var nextDeadline: PlannerTime?
}

/// Decides what a run does next, from the observed state of its steps. Pure and deterministic: the local
/// executor and the Kubernetes reconciler both call it whenever something changes (a step ended, a deadline
/// passed, cancellation was requested) and carry out the actions.
///
/// Rules:
/// - A pending step starts as soon as every dependency is satisfied (no layer barriers). A dependency is
///   satisfied when it `Succeeded`, or when it `Failed` but has `allowFailure` (like GitHub Actions'
///   `continue-on-error`: an allowed failure counts as success for dependents and for the run).
/// - A pending step is skipped when a dependency failed (without `allowFailure`), was skipped or was
///   cancelled, and when its `when` condition does not hold; independent branches keep running.
/// - A running step past its timeout is terminated and ends `Failed`.
/// - Past the run timeout every running step is terminated and pending steps are skipped; the run fails.
/// - On cancellation running steps are terminated and pending steps cancelled; the run ends `Cancelled`.
/// - When every step is final the run finishes: `Cancelled` if cancellation was requested, else `Failed` if
///   the run timed out or a step without `allowFailure` failed or was cancelled, else `Succeeded`.
public enum Planner {
    /// Computes the actions for `input`.
    public static func plan(_ input: PlannerInput) -> Plan {
        var phases: [String: StepPhase] = [:]
        for step in input.steps { phases[step.id] = input.observed[step.id]?.phase ?? .pending }
        let byID = Dictionary(input.steps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let runDeadline = input.runTimeout.map { input.runStart.adding($0) }
        let runTimedOut = runDeadline.map { input.now >= $0 } ?? false
        var actions: [PlannerAction] = []
        var deadlines: [PlannerTime] = []

        if input.cancelRequested || runTimedOut {
            let reason: TerminationReason = input.cancelRequested ? .cancelled : .runTimeout
            for step in input.steps {
                let observed = input.observed[step.id]
                switch phases[step.id] {
                case .running where observed?.termination == nil:
                    actions.append(.terminate(step.id, reason))
                case .pending:
                    if input.cancelRequested {
                        actions.append(.cancel(step.id))
                        phases[step.id] = .cancelled
                    } else {
                        actions.append(.skip(step.id, .runTimedOut))
                        phases[step.id] = .skipped
                    }
                default:
                    break
                }
            }
        } else {
            for step in input.steps where phases[step.id] == .running {
                guard let timeout = step.timeout, let start = input.observed[step.id]?.startTime,
                    input.observed[step.id]?.termination == nil
                else { continue }
                let deadline = start.adding(timeout)
                if input.now >= deadline {
                    actions.append(.terminate(step.id, .stepTimeout))
                } else {
                    deadlines.append(deadline)
                }
            }
            actions += decidePending(input.steps, phases: &phases, steps: byID)
            if let runDeadline { deadlines.append(runDeadline) }
        }

        if input.steps.allSatisfy({ phases[$0.id]?.isTerminal == true }) {
            actions.append(.finish(finalPhase(input, phases: phases, runTimedOut: runTimedOut)))
            deadlines = []
        }
        return Plan(actions: actions, nextDeadline: deadlines.min())
    }

    /// Decides every pending step once, in dependency order (Kahn's algorithm), so that a skip cascades down
    /// a chain in one pass: linear in steps and edges. Returns the actions in step order. Steps on a cycle
    /// (which validation refuses) are decided afterwards by repeating passes over just them.
    private static func decidePending(
        _ steps: [PlanStep],
        phases: inout [String: StepPhase],
        steps byID: [String: PlanStep]
    ) -> [PlannerAction] {
        var position: [String: Int] = [:]
        for (index, step) in steps.enumerated() where position[step.id] == nil { position[step.id] = index }
        var unsettled = [Int](repeating: 0, count: steps.count)
        var dependents = [[Int]](repeating: [], count: steps.count)
        for (index, step) in steps.enumerated() {
            for dependency in step.dependsOn {
                guard let source = position[dependency] else { continue }
                unsettled[index] += 1
                dependents[source].append(index)
            }
        }
        var queue = steps.indices.filter { unsettled[$0] == 0 }
        var decided: [(index: Int, action: PlannerAction)] = []
        func apply(_ index: Int) -> Bool {
            let step = steps[index]
            guard phases[step.id] == .pending, let action = decide(step, phases: phases, steps: byID) else {
                return false
            }
            decided.append((index, action))
            switch action {
            case .start: phases[step.id] = .running
            case .skip: phases[step.id] = .skipped
            default: break
            }
            return true
        }
        var head = 0
        while head < queue.count {
            let index = queue[head]
            head += 1
            _ = apply(index)
            for dependent in dependents[index] {
                unsettled[dependent] -= 1
                if unsettled[dependent] == 0 { queue.append(dependent) }
            }
        }
        if queue.count < steps.count {
            let cyclic = steps.indices.filter { unsettled[$0] > 0 }
            var changed = true
            while changed {
                changed = false
                for index in cyclic where apply(index) { changed = true }
            }
        }
        return decided.sorted { $0.index < $1.index }.map(\.action)
    }

    /// What to do with one pending step, or nil to keep waiting.
    private static func decide(
        _ step: PlanStep,
        phases: [String: StepPhase],
        steps: [String: PlanStep]
    ) -> PlannerAction? {
        guard step.enabled else { return .skip(step.id, .conditionNotMet) }
        var waiting = false
        for dependency in step.dependsOn {
            switch phases[dependency] {
            case .succeeded?:
                continue
            case .failed? where steps[dependency]?.allowFailure == true:
                continue
            case .failed?, .skipped?, .cancelled?:
                return .skip(step.id, .dependencyNotSucceeded(dependency))
            case .pending?, .running?:
                waiting = true
            case nil:
                // Validation rejects unknown dependencies; treat one as never satisfied.
                return .skip(step.id, .dependencyNotSucceeded(dependency))
            }
        }
        return waiting ? nil : .start(step.id)
    }

    private static func finalPhase(
        _ input: PlannerInput,
        phases: [String: StepPhase],
        runTimedOut: Bool
    ) -> RunPhase {
        if input.cancelRequested { return .cancelled }
        if runTimedOut { return .failed }
        for step in input.steps {
            switch phases[step.id] {
            case .failed? where !step.allowFailure: return .failed
            case .cancelled?: return .failed
            default: continue
            }
        }
        return .succeeded
    }
}
