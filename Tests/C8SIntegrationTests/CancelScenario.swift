import C8SAPI
import C8SCore
import C8SKube
import Testing

extension Scenarios {
    /// `spec.cancel: true` on a running run: the running step's Job is deleted and its process stops, the running
    /// and pending steps end Cancelled, the run ends Cancelled; what the step printed before is still stored.
    @Test func cancelStopsTheRunningStep() async throws {
        try await withInstallation { installation in
            try await withHistory(of: Job.self, client: installation.client, namespace: installation.namespace) {
                jobs in
                try await installation.createConfig(
                    "cancelled",
                    PipelineSpec(steps: [
                        installation.step("work", "echo working", "sleep 60"),
                        installation.step("after", after: ["work"], "echo never"),
                    ]))
                try await installation.createRun("cancelled-1", config: "cancelled")
                try await installation.waitForRun("cancelled-1", "step work running") {
                    $0.status?[step: "work"]?.phase == .running
                }
                _ = try await installation.client.patch(
                    PipelineRun.self, name: "cancelled-1", namespace: installation.namespace,
                    .merge(["spec": ["cancel": true]]))
                let run = try await installation.waitForFinish("cancelled-1")
                let status = try #require(run.status)
                #expect(status.phase == .cancelled)
                #expect(status[step: "work"]?.phase == .cancelled)
                #expect(status[step: "work"]?.reason == "Cancelled")
                #expect(status[step: "after"]?.phase == .cancelled)
                #expect(History.jobUIDsByStep(jobs)["after"] == nil)
                try await installation.waitForStepStopped(run: "cancelled-1", step: "work", jobDeleted: true)
                #expect(jobs.deletedUIDs.isSuperset(of: History.jobUIDsByStep(jobs)["work"] ?? []))

                try await installation.waitForLogs("cancelled-1", steps: ["work"])
                #expect(
                    try await installation.storedLog(run: "cancelled-1", step: "work").map(\.record.text) == ["working"]
                )
            }
        }
    }
}
