import C8SAPI
import C8SCore
import C8SKube
import Foundation
import Testing

@testable import C8SCoordinator

/// A step whose Job is gone: the coordinator deleted it itself (cancel, timeouts) and lost the status write that
/// recorded it, or the Job's TTL removed it before a reconcile saw it finish, or someone deleted it.
@Suite struct MissingJobTests {
    /// A run whose step `a` was started (a Job name in its status) at `started`, and whose Job is gone now.
    static func startedRun(cancel: Bool = false, started: Date) -> PipelineRun {
        var run = PipelineRun(
            metadata: ObjectMeta(name: "r", namespace: "default"),
            spec: .init(pipelineConfigRef: .init(name: "p"), cancel: cancel))
        run.metadata.uid = "u1"
        var status = PipelineRun.Status(phase: .running)
        status.startTime = KubeTime(started)
        var a = PipelineRun.StepStatus(name: "a", phase: .running)
        a.jobName = "r-a"
        a.startTime = KubeTime(started)
        status.steps = [a, PipelineRun.StepStatus(name: "b", phase: .pending)]
        run.status = status
        return run
    }

    /// Decides again on the status the first decision wrote (the next reconcile).
    static func twice(_ run: PipelineRun, _ spec: PipelineSpec, now: Date) -> RunDecision {
        var next = run
        next.status = RunDecision.decide(run: run, spec: spec, jobs: [:], pods: [:], now: now).status
        return RunDecision.decide(run: next, spec: spec, jobs: [:], pods: [:], now: now)
    }

    static func pod(exitCode: Int32) throws -> Pod {
        try KubeCodec.decode(
            Pod.self,
            from: [
                "metadata": ["name": "r-a-xyz", "labels": ["c8s.dev/step": "a"]],
                "spec": ["nodeName": "n1", "containers": [["name": "step", "image": "alpine"]]],
                "status": [
                    "phase": exitCode == 0 ? "Succeeded" : "Failed",
                    "containerStatuses": [
                        [
                            "name": "step", "state": ["terminated": ["exitCode": .int(Int64(exitCode))]],
                        ]
                    ],
                ],
            ])
    }

    @Test func aCancelledRunWhoseJobIsGoneEndsCancelled() {
        let spec = PipelineSpec(steps: [step("a"), step("b", after: ["a"])])
        let now = Date()
        let run = Self.startedRun(cancel: true, started: now.addingTimeInterval(-5))
        let first = RunDecision.decide(run: run, spec: spec, jobs: [:], pods: [:], now: now)
        #expect(first.status[step: "a"]?.phase == .cancelled)
        let decision = Self.twice(run, spec, now: now)
        #expect(decision.status[step: "a"]?.reason == "Cancelled")
        #expect(decision.status.phase == .cancelled)
    }

    @Test func aStepPastItsTimeoutWhoseJobIsGoneFailsWithDeadlineExceeded() {
        var a = step("a")
        a.timeout = PipelineDuration.seconds(2)
        let spec = PipelineSpec(steps: [a, step("b", after: ["a"])])
        let now = Date()
        let decision = Self.twice(Self.startedRun(started: now.addingTimeInterval(-3)), spec, now: now)
        #expect(decision.status[step: "a"]?.phase == .failed)
        #expect(decision.status[step: "a"]?.reason == "DeadlineExceeded")
        #expect(decision.status[step: "b"]?.phase == .skipped)
    }

    @Test func aRunPastItsTimeoutWhoseJobIsGoneEndsWithRunTimeout() {
        var spec = PipelineSpec(steps: [step("a"), step("b", after: ["a"])])
        spec.timeout = PipelineDuration.seconds(2)
        let now = Date()
        let decision = Self.twice(Self.startedRun(started: now.addingTimeInterval(-3)), spec, now: now)
        #expect(decision.status[step: "a"]?.reason == "RunTimeout")
        #expect(decision.status.phase == .failed)
        #expect(decision.status.conditions?[type: "Succeeded"]?.reason == "RunTimeout")
    }

    @Test func aJobRemovedByItsTTLIsReadFromItsPod() throws {
        let spec = PipelineSpec(steps: [step("a"), step("b", after: ["a"])])
        let now = Date()
        let run = Self.startedRun(started: now.addingTimeInterval(-1))
        let succeeded = RunDecision.decide(
            run: run, spec: spec, jobs: [:], pods: ["a": try Self.pod(exitCode: 0)], now: now)
        #expect(succeeded.status[step: "a"]?.phase == .succeeded)
        #expect(succeeded.create.map(\.name) == ["b"])
        let failed = RunDecision.decide(
            run: run, spec: spec, jobs: [:], pods: ["a": try Self.pod(exitCode: 3)], now: now)
        #expect(failed.status[step: "a"]?.phase == .failed)
        #expect(failed.status[step: "a"]?.exitCode == 3)
        #expect(failed.status[step: "b"]?.phase == .skipped)
    }

    @Test func aJobDeletedBySomeoneElseFailsTheStep() {
        let spec = PipelineSpec(steps: [step("a")])
        let now = Date()
        let decision = RunDecision.decide(
            run: Self.startedRun(started: now.addingTimeInterval(-1)), spec: spec, jobs: [:], pods: [:], now: now)
        #expect(decision.status[step: "a"]?.phase == .failed)
        #expect(decision.status[step: "a"]?.reason == "JobDeleted")
    }
}
