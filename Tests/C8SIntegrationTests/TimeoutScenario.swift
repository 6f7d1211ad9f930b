import C8SAPI
import C8SCore
import C8SKube
import Testing

extension Scenarios {
    /// A step running past its timeout fails with `DeadlineExceeded` (its process is killed), its dependent is
    /// skipped, and the run fails with reason `StepTimeout`.
    @Test func stepTimeoutFailsTheStep() async throws {
        try await withInstallation { installation in
            try await installation.createConfig(
                "slow-step",
                PipelineSpec(steps: [
                    installation.step("hang", timeout: .seconds(2), "echo started", "sleep 60"),
                    installation.step("after", after: ["hang"], "echo never"),
                ]))
            try await installation.createRun("slow-step-1", config: "slow-step")
            let run = try await installation.waitForFinish("slow-step-1")
            let status = try #require(run.status)
            #expect(status.phase == .failed)
            #expect(status[step: "hang"]?.phase == .failed)
            #expect(status.conditions?.first { $0.type == "Succeeded" }?.reason == "StepTimeout")
            #expect(status[step: "hang"]?.reason == "DeadlineExceeded")
            #expect(status[step: "after"]?.phase == .skipped)
            let started = try #require(status[step: "hang"]?.startTime?.date)
            let ended = try #require(status.completionTime?.date)
            #expect(
                ended.timeIntervalSince(started) < 30,
                "the run ended \(ended.timeIntervalSince(started)) s after the step started")
            try await installation.waitForStepStopped(run: "slow-step-1", step: "hang", jobDeleted: false)
        }
    }

    /// A run past its own timeout: the running step is terminated (its Job deleted), the pending one skipped,
    /// the run fails with reason `RunTimeout`.
    @Test func runTimeoutEndsTheRun() async throws {
        try await withInstallation { installation in
            try await withHistory(of: Job.self, client: installation.client, namespace: installation.namespace) {
                jobs in
                var spec = PipelineSpec(steps: [
                    installation.step("long", "echo started", "sleep 60"),
                    installation.step("after", after: ["long"], "echo never"),
                ])
                spec.timeout = .seconds(3)
                try await installation.createConfig("slow-run", spec)
                try await installation.createRun("slow-run-1", config: "slow-run")
                let run = try await installation.waitForFinish("slow-run-1")
                let status = try #require(run.status)
                #expect(status.phase == .failed)
                #expect(status.conditions?.first { $0.type == "Succeeded" }?.reason == "RunTimeout")
                #expect(status[step: "long"]?.phase == .failed)
                #expect(status[step: "long"]?.reason == "RunTimeout")
                #expect(status[step: "after"]?.phase == .skipped)
                #expect(status[step: "after"]?.reason == "RunTimeout")
                let long = try #require(History.jobUIDsByStep(jobs)["long"])
                #expect(long.count == 1)
                try await installation.waitForStepStopped(run: "slow-run-1", step: "long", jobDeleted: true)
            }
        }
    }
}
