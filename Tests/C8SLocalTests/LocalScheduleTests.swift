import C8SCore
import Testing

@testable import C8SLocal

/// Argument tables for ``LocalSchedule``, the local run loop's decisions.
@Suite struct LocalScheduleTests {
    /// One scenario: steps, the exit code of each step that runs (default 0), the parallelism, and what the
    /// schedule must decide when every started step ends in start order.
    struct Scenario: Sendable, CustomTestStringConvertible {
        var name: String
        var steps: [PlanStep]
        var exitCodes: [String: Int32] = [:]
        var parallelism = 8
        var started: [String]
        var skipped: [String: SkipReason] = [:]
        var phases: [String: StepPhase]
        var run: RunPhase
        var testDescription: String { name }
    }

    static let scenarios: [Scenario] = [
        Scenario(
            name: "a chain runs in order", steps: [step("a"), step("b", ["a"]), step("c", ["b"])],
            started: ["a", "b", "c"], phases: ["a": .succeeded, "b": .succeeded, "c": .succeeded], run: .succeeded),
        Scenario(
            name: "a failure skips its dependents down the chain, independent steps run",
            steps: [step("a"), step("b", ["a"]), step("c", ["b"]), step("d")], exitCodes: ["a": 1],
            started: ["a", "d"], skipped: ["b": .dependencyNotSucceeded("a"), "c": .dependencyNotSucceeded("b")],
            phases: ["a": .failed, "b": .skipped, "c": .skipped, "d": .succeeded], run: .failed),
        Scenario(
            name: "an allowed failure satisfies dependents and the run",
            steps: [step("a", allowFailure: true), step("b", ["a"])], exitCodes: ["a": 3],
            started: ["a", "b"], phases: ["a": .failed, "b": .succeeded], run: .succeeded),
        Scenario(
            name: "a step whose when does not hold is skipped, and so are its dependents",
            steps: [step("a", enabled: false), step("b", ["a"]), step("c")],
            started: ["c"], skipped: ["a": .conditionNotMet, "b": .dependencyNotSucceeded("a")],
            phases: ["a": .skipped, "b": .skipped, "c": .succeeded], run: .succeeded),
        Scenario(
            name: "an unknown dependency skips the step",
            steps: [step("a", ["nope"])], started: [], skipped: ["a": .dependencyNotSucceeded("nope")],
            phases: ["a": .skipped], run: .succeeded),
        Scenario(
            name: "the join of a diamond waits for both branches",
            steps: [step("a"), step("b", ["a"]), step("c", ["a"]), step("d", ["b", "c"])],
            started: ["a", "b", "c", "d"],
            phases: ["a": .succeeded, "b": .succeeded, "c": .succeeded, "d": .succeeded], run: .succeeded),
        Scenario(
            name: "a join with one failed branch is skipped naming it",
            steps: [step("a"), step("b"), step("c", ["a", "b"])], exitCodes: ["b": 1],
            started: ["a", "b"], skipped: ["c": .dependencyNotSucceeded("b")],
            phases: ["a": .succeeded, "b": .failed, "c": .skipped], run: .failed),
        Scenario(
            name: "parallelism 1 starts ready steps one at a time in file order",
            steps: [step("a"), step("b"), step("c"), step("d", ["a"])], parallelism: 1,
            started: ["a", "b", "c", "d"],
            phases: ["a": .succeeded, "b": .succeeded, "c": .succeeded, "d": .succeeded], run: .succeeded),
        Scenario(
            name: "a dependency named twice is waited for once",
            steps: [step("a"), step("b", ["a", "a"])], started: ["a", "b"],
            phases: ["a": .succeeded, "b": .succeeded], run: .succeeded),
        Scenario(
            name: "a cycle with a failed entry is skipped whole",
            steps: [step("a"), step("b", ["a", "c"]), step("c", ["b"])], exitCodes: ["a": 1],
            started: ["a"], skipped: ["b": .dependencyNotSucceeded("a"), "c": .dependencyNotSucceeded("b")],
            phases: ["a": .failed, "b": .skipped, "c": .skipped], run: .failed),
        Scenario(
            name: "no steps: the run succeeds at once", steps: [], started: [], phases: [:], run: .succeeded),
    ]

    @Test(arguments: scenarios)
    func scenario(_ scenario: Scenario) {
        var schedule = LocalSchedule(
            steps: scenario.steps, runStart: time(0), runTimeout: nil, parallelism: scenario.parallelism)
        var skipped: [String: SkipReason] = [:]
        func note(_ actions: [PlannerAction]) {
            for case .skip(let key, let reason) in actions { skipped[key] = reason }
        }
        note(schedule.begin(now: time(0)))
        var started: [String] = []
        var running: [String] = []
        var maxRunning = 0
        while schedule.finished == nil {
            while let key = schedule.nextStart(now: time(1)) {
                started.append(key)
                running.append(key)
            }
            maxRunning = max(maxRunning, running.count)
            guard !running.isEmpty else { break }
            let key = running.removeFirst()
            let (_, actions) = schedule.stepEnded(key, exitCode: scenario.exitCodes[key] ?? 0, now: time(2))
            note(actions)
        }
        #expect(started == scenario.started)
        #expect(skipped == scenario.skipped)
        #expect(maxRunning <= scenario.parallelism)
        for (key, phase) in scenario.phases { #expect(schedule.phase(of: key) == phase, "\(key)") }
        #expect(schedule.finished == scenario.run)
    }

    /// What cancellation does, at each point of a run: (steps started before the signal, then which end).
    @Test(
        arguments: [
            (0, [StepPhase.cancelled, .cancelled, .cancelled]),
            (1, [.cancelled, .cancelled, .cancelled]),
            (2, [.cancelled, .cancelled, .cancelled]),
        ] as [(Int, [StepPhase])])
    func cancellationStopsRunningStepsAndCancelsTheRest(startedFirst: Int, phases: [StepPhase]) {
        let steps = [step("a"), step("b"), step("c", ["a"])]
        var schedule = LocalSchedule(steps: steps, runStart: time(0), runTimeout: nil, parallelism: 8)
        _ = schedule.begin(now: time(0))
        var running: [String] = []
        for _ in 0..<startedFirst {
            if let key = schedule.nextStart(now: time(0)) { running.append(key) }
        }
        let actions = schedule.cancel(now: time(1))
        let terminated = actions.compactMap { action -> String? in
            if case .terminate(let key, .cancelled) = action { return key }
            return nil
        }
        #expect(terminated == running)
        #expect(schedule.nextStart(now: time(1)) == nil)
        #expect(schedule.cancel(now: time(1)).isEmpty)  // a second signal decides nothing new
        #expect(schedule.finished == (running.isEmpty ? .cancelled : nil))
        for key in running {
            #expect(schedule.stepEnded(key, exitCode: 143, now: time(2)).0 == .cancelled)
        }
        #expect(steps.map { schedule.phase(of: $0.id) } == phases)
        #expect(schedule.finished == .cancelled)
    }

    @Test func aStepPastItsTimeoutIsStoppedAndFails() {
        let steps = [step("slow", timeout: 10), step("after", ["slow"])]
        var schedule = LocalSchedule(steps: steps, runStart: time(0), runTimeout: nil, parallelism: 8)
        _ = schedule.begin(now: time(0))
        #expect(schedule.nextStart(now: time(5)) == "slow")
        #expect(schedule.nextDeadline() == time(15))
        #expect(schedule.advance(now: time(14)).isEmpty)
        #expect(schedule.advance(now: time(15)) == [.terminate("slow", .stepTimeout)])
        #expect(schedule.advance(now: time(16)).isEmpty)  // stopped once
        #expect(schedule.nextDeadline() == nil)
        let (phase, actions) = schedule.stepEnded("slow", exitCode: 143, now: time(17))
        #expect(phase == .failed)
        #expect(actions == [.skip("after", .dependencyNotSucceeded("slow"))])
        #expect(schedule.finished == .failed)
    }

    @Test func theRunTimeoutStopsRunningStepsSkipsTheRestAndFailsTheRun() {
        let steps = [step("a"), step("b"), step("c", ["a"])]
        var schedule = LocalSchedule(steps: steps, runStart: time(0), runTimeout: duration(30), parallelism: 1)
        _ = schedule.begin(now: time(0))
        #expect(schedule.nextStart(now: time(0)) == "a")
        #expect(schedule.nextDeadline() == time(30))
        #expect(
            schedule.advance(now: time(30)) == [
                .terminate("a", .runTimeout), .skip("b", .runTimedOut), .skip("c", .runTimedOut),
            ])
        #expect(schedule.nextStart(now: time(31)) == nil)
        #expect(schedule.stepEnded("a", exitCode: 0, now: time(31)).0 == .failed)
        #expect(schedule.finished == .failed)
    }

    @Test func aStepEndingAfterTheRunDeadlineStillFailsTheRun() {
        var schedule = LocalSchedule(steps: [step("a")], runStart: time(0), runTimeout: duration(30), parallelism: 1)
        _ = schedule.begin(now: time(0))
        #expect(schedule.nextStart(now: time(0)) == "a")
        let (phase, _) = schedule.stepEnded("a", exitCode: 0, now: time(31))
        #expect(phase == .succeeded)
        #expect(schedule.finished == .failed)
    }

    /// Long chains and wide fans are decided without recursion (a 20,000-step cascade of skips).
    @Test func aLongChainOfSkipsCascadesInOnePass() {
        let count = 20_000
        let steps = [step("s0")] + (1..<count).map { step("s\($0)", ["s\($0 - 1)"]) }
        var schedule = LocalSchedule(steps: steps, runStart: time(0), runTimeout: nil, parallelism: 8)
        _ = schedule.begin(now: time(0))
        #expect(schedule.nextStart(now: time(0)) == "s0")
        let (_, actions) = schedule.stepEnded("s0", exitCode: 1, now: time(1))
        #expect(actions.count == count - 1)
        #expect(schedule.finished == .failed)
    }

    /// The same final phases as the ``Planner`` (the cluster's rules) on generated graphs.
    @Test(arguments: 0..<20)
    func agreesWithThePlannerOnGeneratedGraphs(seed: Int) {
        var generator = SplitMix(seed: UInt64(seed))
        let count = 30
        let steps = (0..<count).map { index -> PlanStep in
            let dependencies = (0..<index).filter { _ in generator.next() % 6 == 0 }.map { "s\($0)" }
            return step(
                "s\(index)", dependencies, allowFailure: generator.next() % 5 == 0, enabled: generator.next() % 9 != 0)
        }
        let exitCodes = Dictionary(
            uniqueKeysWithValues: steps.map { ($0.id, Int32(generator.next() % 4 == 0 ? 1 : 0)) })
        // Planner: one plan per event, every started step ending in start order.
        var observed: [String: ObservedStep] = [:]
        var running: [String] = []
        var plannerPhase: RunPhase?
        while plannerPhase == nil {
            let plan = Planner.plan(PlannerInput(steps: steps, observed: observed, now: time(1), runStart: time(0)))
            for action in plan.actions {
                switch action {
                case .start(let key):
                    observed[key] = ObservedStep(phase: .running)
                    running.append(key)
                case .skip(let key, _): observed[key] = ObservedStep(phase: .skipped)
                case .finish(let phase): plannerPhase = phase
                default: break
                }
            }
            if plannerPhase != nil { break }
            guard !running.isEmpty else { break }
            let key = running.removeFirst()
            observed[key] = ObservedStep(phase: exitCodes[key] == 0 ? .succeeded : .failed)
        }
        var schedule = LocalSchedule(steps: steps, runStart: time(0), runTimeout: nil, parallelism: count)
        _ = schedule.begin(now: time(0))
        running = []
        while schedule.finished == nil {
            while let key = schedule.nextStart(now: time(1)) { running.append(key) }
            guard !running.isEmpty else { break }
            let key = running.removeFirst()
            _ = schedule.stepEnded(key, exitCode: exitCodes[key]!, now: time(1))
        }
        #expect(schedule.finished == plannerPhase)
        for step in steps {
            #expect(schedule.phase(of: step.id) == (observed[step.id]?.phase ?? .pending), "\(step.id)")
        }
    }
}

private func step(
    _ id: String, _ dependsOn: [String] = [], timeout: Double? = nil, allowFailure: Bool = false,
    enabled: Bool = true
) -> PlanStep {
    PlanStep(
        id: id, dependsOn: dependsOn, timeout: timeout.map(duration), allowFailure: allowFailure, enabled: enabled)
}

private func time(_ seconds: Double) -> PlannerTime { PlannerTime(seconds: seconds) }

private func duration(_ seconds: Double) -> PipelineDuration { PipelineDuration(nanoseconds: Int64(seconds * 1e9)) }

/// A small deterministic generator (SplitMix64) for the generated graphs.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
