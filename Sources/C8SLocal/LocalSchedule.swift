import C8SCore

/// The local run loop's decisions: which steps start, which are skipped or cancelled, which running steps are
/// stopped and why, how an ended step ends, and when the run is finished with which phase. Pure and `Sendable`;
/// the loop (``LocalRunner``) reports what happened and carries out the actions.
///
/// The rules are the ``Planner``'s (the cluster's reconciler uses those), decided incrementally so that a whole run
/// costs time linear in steps and dependency edges instead of a full plan per event:
/// - a step becomes ready when every dependency `Succeeded` (or `Failed` with `allowFailure`); ready steps start in
///   the order they became ready, at most `parallelism` at a time;
/// - a step whose `when` does not hold is skipped at once; a step is skipped as soon as one dependency failed
///   (without `allowFailure`), was skipped or was cancelled, and that cascades down the graph;
/// - a running step past its timeout is stopped (`TerminationReason.stepTimeout`) and ends `Failed`;
/// - past the run timeout running steps are stopped and pending ones skipped; the run fails;
/// - cancellation stops running steps and cancels pending ones (also those ready but not started); the run ends
///   `Cancelled`;
/// - once every step is final the run finishes: `Cancelled` if cancelled, else `Failed` if the run timed out or a
///   step without `allowFailure` failed or was cancelled, else `Succeeded`.
struct LocalSchedule: Sendable {
    /// The steps, in file order.
    let steps: [PlanStep]
    /// At most this many steps run at once.
    let parallelism: Int
    /// When the run times out, if it has a timeout.
    let runDeadline: PlannerTime?
    private var position: [String: Int] = [:]
    private var dependents: [[Int]]
    private var waiting: [Int]
    private var phases: [StepPhase]
    private var terminations: [TerminationReason?]
    private var ready: [Int] = []
    private var readyHead = 0
    private var deadlines = DeadlineHeap()
    private var running = 0
    private var finals = 0
    private var failing = false
    private(set) var cancelRequested = false
    private(set) var runTimedOut = false
    /// The run's final phase, once every step is final.
    private(set) var finished: RunPhase?

    init(steps: [PlanStep], runStart: PlannerTime, runTimeout: PipelineDuration?, parallelism: Int) {
        self.steps = steps
        self.parallelism = max(1, parallelism)
        self.runDeadline = runTimeout.map { runStart.adding($0) }
        for (index, step) in steps.enumerated() where position[step.id] == nil { position[step.id] = index }
        dependents = Array(repeating: [], count: steps.count)
        waiting = Array(repeating: 0, count: steps.count)
        phases = Array(repeating: .pending, count: steps.count)
        terminations = Array(repeating: nil, count: steps.count)
        for (index, step) in steps.enumerated() {
            for dependency in step.dependsOn {
                guard let source = position[dependency] else { continue }
                waiting[index] += 1
                dependents[source].append(index)
            }
        }
    }

    /// The first decisions: skips steps whose `when` does not hold or that name an unknown dependency (validation
    /// refuses those), and makes the steps without dependencies ready.
    mutating func begin(now: PlannerTime) -> [PlannerAction] {
        var actions = advance(now: now)
        for index in steps.indices where phases[index] == .pending {
            let step = steps[index]
            if !step.enabled {
                settle(index, as: .skipped, action: .skip(step.id, .conditionNotMet), into: &actions)
            } else if let unknown = step.dependsOn.first(where: { position[$0] == nil }) {
                settle(index, as: .skipped, action: .skip(step.id, .dependencyNotSucceeded(unknown)), into: &actions)
            } else if waiting[index] == 0 {
                ready.append(index)
            }
        }
        checkFinished()
        return actions
    }

    /// The next step to start now, if a ready step may start (marked `Running`; report its end with
    /// ``stepEnded(_:exitCode:now:)``).
    mutating func nextStart(now: PlannerTime) -> String? {
        guard !cancelRequested, !runTimedOut, running < parallelism else { return nil }
        if let runDeadline, now >= runDeadline { return nil }
        while readyHead < ready.count {
            let index = ready[readyHead]
            readyHead += 1
            guard phases[index] == .pending else { continue }
            phases[index] = .running
            running += 1
            if let timeout = steps[index].timeout { deadlines.push(now.adding(timeout), index) }
            return steps[index].id
        }
        return nil
    }

    /// A started step ended: with the exit code of its process, or `nil` when it could not start. Returns its final
    /// phase and what follows (skips of dependents, a run timeout that passed meanwhile).
    mutating func stepEnded(_ key: String, exitCode: Int32?, now: PlannerTime) -> (StepPhase, [PlannerAction]) {
        guard let index = position[key], phases[index] == .running else { return (phase(of: key) ?? .pending, []) }
        let phase = terminations[index]?.resultingPhase ?? (exitCode == 0 ? .succeeded : .failed)
        running -= 1
        var actions: [PlannerAction] = []
        settle(index, as: phase, action: nil, into: &actions)
        actions += advance(now: now)
        checkFinished()
        return (phase, actions)
    }

    /// Cancellation: stops running steps and cancels every pending one.
    mutating func cancel(now: PlannerTime) -> [PlannerAction] {
        guard !cancelRequested else { return [] }
        cancelRequested = true
        var actions: [PlannerAction] = []
        stopAll(reason: .cancelled, into: &actions)
        checkFinished()
        return actions
    }

    /// Deadlines: the run timeout, and the timeouts of running steps, that passed by `now`.
    mutating func advance(now: PlannerTime) -> [PlannerAction] {
        var actions: [PlannerAction] = []
        guard !cancelRequested, !runTimedOut else { return actions }
        if let runDeadline, now >= runDeadline {
            runTimedOut = true
            stopAll(reason: .runTimeout, into: &actions)
            checkFinished()
            return actions
        }
        while let (deadline, index) = deadlines.top, deadline <= now {
            deadlines.pop()
            guard phases[index] == .running, terminations[index] == nil else { continue }
            terminations[index] = .stepTimeout
            actions.append(.terminate(steps[index].id, .stepTimeout))
        }
        return actions
    }

    /// When to call ``advance(now:)`` at the latest.
    mutating func nextDeadline() -> PlannerTime? {
        guard !cancelRequested, !runTimedOut, finished == nil else { return nil }
        while let (_, index) = deadlines.top, phases[index] != .running || terminations[index] != nil {
            deadlines.pop()
        }
        return [deadlines.top?.deadline, runDeadline].compactMap { $0 }.min()
    }

    /// The current phase of a step.
    func phase(of key: String) -> StepPhase? {
        position[key].map { phases[$0] }
    }

    /// Why a running step is being stopped, if it is.
    func termination(of key: String) -> TerminationReason? {
        position[key].flatMap { terminations[$0] }
    }

    /// Whether a step's dependents may still run after it ended in `phase`.
    private func satisfies(_ index: Int, _ phase: StepPhase) -> Bool {
        phase == .succeeded || (phase == .failed && steps[index].allowFailure)
    }

    /// Makes a step final and decides its dependents, cascading skips with a work list (no recursion).
    private mutating func settle(
        _ first: Int, as firstPhase: StepPhase, action firstAction: PlannerAction?, into actions: inout [PlannerAction]
    ) {
        var work = [(first, firstPhase, firstAction)]
        while let (index, phase, action) = work.popLast() {
            guard !phases[index].isTerminal else { continue }
            phases[index] = phase
            finals += 1
            if let action { actions.append(action) }
            if (phase == .failed && !steps[index].allowFailure) || phase == .cancelled { failing = true }
            let good = satisfies(index, phase)
            for dependent in dependents[index] where phases[dependent] == .pending {
                if good {
                    waiting[dependent] -= 1
                    if waiting[dependent] == 0 { ready.append(dependent) }
                } else {
                    let key = steps[dependent].id
                    work.append((dependent, .skipped, .skip(key, .dependencyNotSucceeded(steps[index].id))))
                }
            }
        }
    }

    /// Stops every running step and ends every pending one (cancelled, or skipped when the run timed out).
    private mutating func stopAll(reason: TerminationReason, into actions: inout [PlannerAction]) {
        for index in steps.indices {
            let key = steps[index].id
            switch phases[index] {
            case .running where terminations[index] == nil:
                terminations[index] = reason
                actions.append(.terminate(key, reason))
            case .pending:
                if reason == .cancelled {
                    phases[index] = .cancelled
                    actions.append(.cancel(key))
                } else {
                    phases[index] = .skipped
                    actions.append(.skip(key, .runTimedOut))
                }
                finals += 1
            default:
                break
            }
        }
    }

    private mutating func checkFinished() {
        guard finished == nil, finals == steps.count else { return }
        finished = cancelRequested ? .cancelled : (runTimedOut || failing) ? .failed : .succeeded
    }
}

/// A binary min-heap of step deadlines.
private struct DeadlineHeap: Sendable {
    private var items: [(deadline: PlannerTime, index: Int)] = []

    var top: (deadline: PlannerTime, index: Int)? { items.first }

    mutating func push(_ deadline: PlannerTime, _ index: Int) {
        items.append((deadline, index))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].deadline < items[parent].deadline else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < items.count, items[left].deadline < items[smallest].deadline { smallest = left }
            if right < items.count, items[right].deadline < items[smallest].deadline { smallest = right }
            guard smallest != parent else { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
