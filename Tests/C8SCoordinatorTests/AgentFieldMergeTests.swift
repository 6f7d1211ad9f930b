import C8SAPI
import C8SKube
import Testing

@testable import C8SCoordinator

/// The coordinator's status write against the node agents' concurrent log-field patches.
@Suite struct AgentFieldMergeTests {
    static func status(lines: Int64?, phase: PipelineRun.StepPhase) -> PipelineRun.Status {
        var status = PipelineRun.Status(phase: .running)
        var step = PipelineRun.StepStatus(name: "a", phase: phase)
        step.jobName = "r-a"
        if let lines {
            step.logs = PipelineRun.LogSummary(bytes: lines * 10, lines: lines, chunks: 1, complete: false)
            step.logURL = "s3://logs/default/r/a/"
        }
        status.steps = [step, PipelineRun.StepStatus(name: "b", phase: .pending)]
        return status
    }

    @Test func onlyTheAgentsLogFieldsChangedIsRecognised() {
        let read = Self.status(lines: 10, phase: .running)
        #expect(PipelineRun.Status.differOnlyInAgentFields(Self.status(lines: 900, phase: .running), read))
        #expect(PipelineRun.Status.differOnlyInAgentFields(Self.status(lines: nil, phase: .running), read))
        #expect(!PipelineRun.Status.differOnlyInAgentFields(Self.status(lines: 10, phase: .succeeded), read))
        #expect(!PipelineRun.Status.differOnlyInAgentFields(nil, read))
    }

    @Test func theRewrittenStatusKeepsTheAgentsLatestValues() {
        var decided = Self.status(lines: 10, phase: .succeeded)
        decided.phase = .succeeded
        let merged = decided.keepingAgentFields(of: Self.status(lines: 900, phase: .running))
        #expect(merged.phase == .succeeded)
        #expect(merged[step: "a"]?.phase == .succeeded)
        #expect(merged[step: "a"]?.logs?.lines == 900)
        #expect(merged[step: "a"]?.logURL == "s3://logs/default/r/a/")
        #expect(merged[step: "b"]?.logs == nil)
    }
}
