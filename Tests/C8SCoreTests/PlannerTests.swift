import Testing

@testable import C8SCore

@Suite struct PlannerTests {
    static let diamond = [
        PlanStep(id: "a"), PlanStep(id: "b", dependsOn: ["a"]), PlanStep(id: "c", dependsOn: ["a"]),
        PlanStep(id: "d", dependsOn: ["b", "c"]),
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var steps: [PlanStep]
        var phases: [String: StepPhase]
        var now = 0.0
        var runTimeout: PipelineDuration?
        var cancel = false
        var expected: [PlannerAction]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "diamond: roots start first", steps: diamond, phases: [:], expected: [.start("a")]),
        Case(
            name: "diamond: both middle steps start together",
            steps: diamond,
            phases: ["a": .succeeded],
            expected: [.start("b"), .start("c")]
        ),
        Case(
            name: "diamond: the join waits for both",
            steps: diamond,
            phases: ["a": .succeeded, "b": .succeeded, "c": .running],
            expected: []
        ),
        Case(
            name: "diamond: the join starts once both succeeded",
            steps: diamond,
            phases: ["a": .succeeded, "b": .succeeded, "c": .succeeded],
            expected: [.start("d")]
        ),
        Case(
            name: "diamond: finishes succeeded",
            steps: diamond,
            phases: ["a": .succeeded, "b": .succeeded, "c": .succeeded, "d": .succeeded],
            expected: [.finish(.succeeded)]
        ),
        Case(
            name: "no layer barrier: a dependent starts while an unrelated step still runs",
            steps: [PlanStep(id: "a"), PlanStep(id: "slow"), PlanStep(id: "b", dependsOn: ["a"])],
            phases: ["a": .succeeded, "slow": .running],
            expected: [.start("b")]
        ),
        Case(
            name: "chain: a failure skips everything downstream at once",
            steps: [PlanStep(id: "a"), PlanStep(id: "b", dependsOn: ["a"]), PlanStep(id: "c", dependsOn: ["b"])],
            phases: ["a": .failed],
            expected: [
                .skip("b", .dependencyNotSucceeded("a")), .skip("c", .dependencyNotSucceeded("b")), .finish(.failed),
            ]
        ),
        Case(
            name: "failure: an independent branch keeps running",
            steps: diamond + [PlanStep(id: "lone")],
            phases: ["a": .succeeded, "b": .failed, "c": .running, "lone": .running],
            expected: [.skip("d", .dependencyNotSucceeded("b"))]
        ),
        Case(
            name: "failure: the run fails once the independent branch ends",
            steps: diamond,
            phases: ["a": .succeeded, "b": .failed, "c": .succeeded, "d": .skipped],
            expected: [.finish(.failed)]
        ),
        Case(
            name: "allowFailure: a failed step counts as success for dependents",
            steps: [PlanStep(id: "a", allowFailure: true), PlanStep(id: "b", dependsOn: ["a"])],
            phases: ["a": .failed],
            expected: [.start("b")]
        ),
        Case(
            name: "allowFailure: the run succeeds",
            steps: [PlanStep(id: "a", allowFailure: true), PlanStep(id: "b", dependsOn: ["a"])],
            phases: ["a": .failed, "b": .succeeded],
            expected: [.finish(.succeeded)]
        ),
        Case(
            name: "when: a disabled step and its dependents are skipped, the run succeeds",
            steps: [PlanStep(id: "a", enabled: false), PlanStep(id: "b", dependsOn: ["a"]), PlanStep(id: "c")],
            phases: ["c": .succeeded],
            expected: [.skip("a", .conditionNotMet), .skip("b", .dependencyNotSucceeded("a")), .finish(.succeeded)]
        ),
        Case(
            name: "step timeout: not yet",
            steps: [PlanStep(id: "a", timeout: .seconds(10))],
            phases: ["a": .running],
            now: 9.5,
            expected: []
        ),
        Case(
            name: "step timeout: terminate",
            steps: [PlanStep(id: "a", timeout: .seconds(10)), PlanStep(id: "b")],
            phases: ["a": .running, "b": .running],
            now: 10,
            expected: [.terminate("a", .stepTimeout)]
        ),
        Case(
            name: "run timeout: terminate running, skip pending",
            steps: [PlanStep(id: "a"), PlanStep(id: "b", dependsOn: ["a"]), PlanStep(id: "c")],
            phases: ["a": .running, "c": .succeeded],
            now: 61,
            runTimeout: .seconds(60),
            expected: [.terminate("a", .runTimeout), .skip("b", .runTimedOut)]
        ),
        Case(
            name: "run timeout: the run fails",
            steps: [PlanStep(id: "a"), PlanStep(id: "b", dependsOn: ["a"])],
            phases: ["a": .failed, "b": .skipped],
            now: 61,
            runTimeout: .seconds(60),
            expected: [.finish(.failed)]
        ),
        Case(
            name: "cancel: terminate running, cancel pending",
            steps: diamond,
            phases: ["a": .succeeded, "b": .running, "c": .succeeded],
            cancel: true,
            expected: [.terminate("b", .cancelled), .cancel("d")]
        ),
        Case(
            name: "cancel: the run ends cancelled",
            steps: diamond,
            phases: ["a": .succeeded, "b": .cancelled, "c": .succeeded, "d": .cancelled],
            cancel: true,
            expected: [.finish(.cancelled)]
        ),
        Case(
            name: "cancel before anything ran",
            steps: [PlanStep(id: "a")],
            phases: [:],
            cancel: true,
            expected: [.cancel("a"), .finish(.cancelled)]
        ),
    ]

    @Test(arguments: cases)
    func plans(_ testCase: Case) {
        var observed: [String: ObservedStep] = [:]
        for (id, phase) in testCase.phases {
            observed[id] = ObservedStep(phase: phase, startTime: phase == .running ? PlannerTime(seconds: 0) : nil)
        }
        let plan = Planner.plan(
            PlannerInput(
                steps: testCase.steps,
                observed: observed,
                now: PlannerTime(seconds: testCase.now),
                runStart: PlannerTime(seconds: 0),
                runTimeout: testCase.runTimeout,
                cancelRequested: testCase.cancel
            )
        )
        #expect(plan.actions == testCase.expected)
    }

    @Test func reportsTheNextDeadlineAndDoesNotRepeatATermination() {
        let steps = [PlanStep(id: "a", timeout: .seconds(10)), PlanStep(id: "b", timeout: .seconds(30))]
        var observed = [
            "a": ObservedStep(phase: .running, startTime: PlannerTime(seconds: 2)),
            "b": ObservedStep(phase: .running, startTime: PlannerTime(seconds: 0)),
        ]
        let early = Planner.plan(
            PlannerInput(
                steps: steps, observed: observed, now: PlannerTime(seconds: 1), runStart: PlannerTime(seconds: 0),
                runTimeout: .seconds(100))
        )
        #expect(early.actions.isEmpty)
        #expect(early.nextDeadline == PlannerTime(seconds: 12))
        observed["a"]?.termination = .stepTimeout
        let later = Planner.plan(
            PlannerInput(
                steps: steps, observed: observed, now: PlannerTime(seconds: 13), runStart: PlannerTime(seconds: 0))
        )
        #expect(later.actions.isEmpty)
        #expect(later.nextDeadline == PlannerTime(seconds: 30))
        #expect(TerminationReason.stepTimeout.resultingPhase == .failed)
        #expect(TerminationReason.cancelled.resultingPhase == .cancelled)
    }

    /// Drives a whole run through the planner, completing steps in a fixed order, and checks that the
    /// diamond's middle steps are running at the same time.
    @Test func simulatedDiamondRunsTheMiddleStepsConcurrently() {
        var observed: [String: ObservedStep] = [:]
        var maxConcurrent = 0
        var finished: RunPhase?
        for _ in 0..<20 where finished == nil {
            let plan = Planner.plan(
                PlannerInput(
                    steps: Self.diamond, observed: observed, now: PlannerTime(seconds: 0),
                    runStart: PlannerTime(seconds: 0))
            )
            for action in plan.actions {
                switch action {
                case .start(let id): observed[id] = ObservedStep(phase: .running)
                case .finish(let phase): finished = phase
                default: Issue.record("unexpected \(action)")
                }
            }
            maxConcurrent = max(maxConcurrent, observed.values.filter { $0.phase == .running }.count)
            if let running = Self.diamond.map(\.id).first(where: { observed[$0]?.phase == .running }),
                plan.actions.allSatisfy({ if case .start = $0 { false } else { true } })
            {
                observed[running]?.phase = .succeeded
            }
        }
        #expect(finished == .succeeded)
        #expect(maxConcurrent == 2)
    }
}
