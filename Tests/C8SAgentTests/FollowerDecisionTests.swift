import Testing

@testable import C8SAgent

/// The agent's follower decisions, without I/O: what to ship, when a log is complete, when to drop the finalizer.
@Suite struct FollowerDecisionTests {
    typealias Container = FollowerDecision.Container
    typealias Observation = FollowerDecision.Observation

    static let running = Observation(finished: false, waiting: false, directoryExists: true)
    static let runningWithoutDirectory = Observation(finished: false, waiting: false, directoryExists: false)
    static let waiting = Observation(finished: false, waiting: true, directoryExists: false)
    static let finished = Observation(finished: true, waiting: false, directoryExists: true)
    static let finishedWithoutDirectory = Observation(finished: true, waiting: false, directoryExists: false)
    static let notLookedAt = Observation(finished: false, waiting: false, directoryExists: nil)
    static let finishedNotLookedAt = Observation(finished: true, waiting: false, directoryExists: nil)

    /// One reconcile of a single-container Pod (`step`).
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        var state = Container()
        var observation: Observation
        var hasMasker = true
        var deleted = false
        let actions: [FollowerDecision.Action]
        let after: Container
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "a running container with a log directory is shipped", observation: running,
            actions: [.startShipper(container: "step", finish: false)], after: Container(shipping: true)),
        Case(
            name: "a finished container seen for the first time is shipped and finished at once",
            observation: finished, actions: [.startShipper(container: "step", finish: true)],
            after: Container(shipping: true, finishing: true)),
        Case(
            name: "shipping waits for the masker: the Secrets are requested", observation: running, hasMasker: false,
            actions: [.requestSecrets], after: Container()),
        Case(
            name: "a shipping container that finished gets finish()", state: Container(shipping: true),
            observation: finishedNotLookedAt, actions: [.finishShipper(container: "step")],
            after: Container(shipping: true, finishing: true)),
        Case(
            name: "a deleted Pod's containers count as finished", state: Container(shipping: true),
            observation: notLookedAt, deleted: true, actions: [.finishShipper(container: "step")],
            after: Container(shipping: true, finishing: true)),
        Case(
            name: "finish() is sent once", state: Container(shipping: true, finishing: true),
            observation: finishedNotLookedAt, actions: [], after: Container(shipping: true, finishing: true)),
        Case(
            name: "a finished container without a log directory has its stored log completed",
            observation: finishedWithoutDirectory, actions: [.completeStored(container: "step")],
            after: Container(finishing: true)),
        Case(
            name: "the stored log is completed once", state: Container(finishing: true),
            observation: finishedNotLookedAt, actions: [], after: Container(finishing: true)),
        Case(
            name: "a started container whose directory is not there yet is looked for again",
            observation: runningWithoutDirectory, actions: [.scheduleRecheck], after: Container()),
        Case(
            name: "a waiting container is left alone", observation: waiting, actions: [], after: Container()),
        Case(
            name: "a failed shipper waits for its retry", state: Container(retryPending: true, failures: 1),
            observation: finishedNotLookedAt, actions: [], after: Container(retryPending: true, failures: 1)),
        Case(
            name: "after the retry pause a finished container is shipped and finished again",
            state: Container(failures: 2), observation: finished,
            actions: [.startShipper(container: "step", finish: true)],
            after: Container(shipping: true, finishing: true, failures: 2)),
        Case(
            name: "a complete log finalizes the Pod", state: Container(complete: true),
            observation: finishedNotLookedAt, actions: [.finalize], after: Container(complete: true)),
    ]

    @Test(arguments: cases)
    func reconcile(_ example: Case) {
        var decision = FollowerDecision()
        decision.containers["step"] = example.state
        decision.deleted = example.deleted
        let actions = decision.reconcile([("step", example.observation)], hasMasker: example.hasMasker)
        #expect(actions == example.actions)
        #expect(decision.containers["step"] == example.after)
        #expect(decision.finalizing == example.actions.contains(.finalize))
    }

    /// Whether the loop must look at a container's directory.
    @Test(
        arguments: [
            (Container(), false, true),
            (Container(shipping: true), false, false),
            (Container(finishing: true), false, false),
            (Container(complete: true), false, false),
            (Container(retryPending: true), false, false),
            (Container(), true, false),
        ] as [(Container, Bool, Bool)])
    func directoryIsLookedAtOnlyWhenItDecides(_ state: Container, _ stopping: Bool, _ needed: Bool) {
        var decision = FollowerDecision()
        decision.containers["step"] = state
        decision.stopping = stopping
        #expect(decision.needsDirectory("step") == needed)
        #expect(decision.needsDirectory("other") == !stopping)
    }

    /// How a shipper's end changes the container, and the retry attempt after a failure.
    @Test(
        arguments: [
            (
                Container(shipping: true, finishing: true), FollowerDecision.Outcome.complete, nil,
                Container(finishing: true, complete: true)
            ),
            (Container(shipping: true), .stopped, nil, Container()),
            (Container(shipping: true, finishing: true), .failed, 1, Container(retryPending: true, failures: 1)),
            (Container(finishing: true, failures: 3), .failed, 4, Container(retryPending: true, failures: 4)),
        ] as [(Container, FollowerDecision.Outcome, Int?, Container)])
    func shipped(_ state: Container, _ outcome: FollowerDecision.Outcome, _ retry: Int?, _ after: Container) {
        var decision = FollowerDecision()
        decision.containers["step"] = state
        #expect(decision.shipped("step", outcome) == retry)
        #expect(decision.containers["step"] == after)
    }

    @Test func theFinalizerIsDroppedOnlyWhenEveryLogIsComplete() {
        var decision = FollowerDecision()
        let observed: [(name: String, observation: Observation)] = [
            ("clone", Self.finished), ("step", Self.running),
        ]
        #expect(
            decision.reconcile(observed, hasMasker: true) == [
                .startShipper(container: "clone", finish: true), .startShipper(container: "step", finish: false),
            ])
        decision.shipped("clone", .complete)
        let stepRuns: [(name: String, observation: Observation)] = [
            ("clone", Self.finishedNotLookedAt), ("step", Self.notLookedAt),
        ]
        #expect(decision.reconcile(stepRuns, hasMasker: true) == [])
        let stepDone: [(name: String, observation: Observation)] = [
            ("clone", Self.finishedNotLookedAt), ("step", Self.finishedNotLookedAt),
        ]
        #expect(decision.reconcile(stepDone, hasMasker: true) == [.finishShipper(container: "step")])
        decision.shipped("step", .complete)
        #expect(decision.reconcile(stepDone, hasMasker: true) == [.finalize])
        // Once finalizing, nothing more is decided.
        #expect(decision.reconcile(stepDone, hasMasker: true) == [])
    }

    @Test func secretsAndRechecksAreRequestedOnceUntilAnswered() {
        var decision = FollowerDecision()
        let observed: [(name: String, observation: Observation)] = [
            ("a", Self.running), ("b", Self.running), ("c", Self.runningWithoutDirectory),
            ("d", Self.runningWithoutDirectory),
        ]
        #expect(decision.reconcile(observed, hasMasker: false) == [.requestSecrets, .scheduleRecheck])
        #expect(decision.reconcile(observed, hasMasker: false) == [])
        decision.recheckPending = false
        #expect(
            decision.reconcile(observed, hasMasker: true) == [
                .startShipper(container: "a", finish: false), .startShipper(container: "b", finish: false),
                .scheduleRecheck,
            ])
    }

    @Test func stoppingDecidesNothing() {
        var decision = FollowerDecision()
        decision.stopping = true
        #expect(decision.reconcile([("step", Self.finished)], hasMasker: true) == [])
        #expect(decision.containers.isEmpty)
    }

    @Test func aPodWithoutContainersIsNeverFinalized() {
        var decision = FollowerDecision()
        #expect(decision.reconcile([], hasMasker: true) == [])
    }

    @Test func anAbandonedLogCountsAsComplete() {
        var decision = FollowerDecision()
        _ = decision.reconcile([("step", Self.running)], hasMasker: true)
        decision.abandon("step")
        #expect(decision.reconcile([("step", Self.notLookedAt)], hasMasker: true) == [.finalize])
    }
}
