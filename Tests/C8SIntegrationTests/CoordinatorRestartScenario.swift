import C8SAPI
import C8SCore
import C8SKube
import Testing

extension Scenarios {
    /// The coordinator restarted twice mid-run — while the first step runs, and right after the next steps' Jobs
    /// appeared — creates no second Job for any step (counted from a watch started before the run), and the run
    /// completes.
    @Test func coordinatorRestartCreatesNoDuplicateJob() async throws {
        try await withInstallation { installation in
            try await withHistory(of: Job.self, client: installation.client, namespace: installation.namespace) {
                jobs in
                try await installation.createConfig(
                    "restart",
                    PipelineSpec(steps: [
                        installation.step("first", "echo first", "sleep 3"),
                        installation.step("second", after: ["first"], "echo second", "sleep 2"),
                        installation.step("third", after: ["first"], "echo third", "sleep 2"),
                        installation.step("last", after: ["second", "third"], "echo last"),
                    ]))
                try await installation.createRun("restart-1", config: "restart")
                try await installation.waitForRun("restart-1", "step first running") {
                    $0.status?[step: "first"]?.phase == .running
                }
                try await installation.restartCoordinator()
                try await installation.client.waitForList(
                    Job.self, namespace: installation.namespace, labelSelector: "\(C8SLabels.pipelineRun)=restart-1",
                    timeout: installation.patience, "the Jobs of second and third"
                ) { jobs in Set(jobs.compactMap(History.step)).isSuperset(of: ["second", "third"]) }
                try await installation.restartCoordinator()

                let run = try await installation.waitForFinish("restart-1")
                #expect(run.status?.phase == .succeeded, "\(run.status?.message ?? "")")
                let created = History.jobUIDsByStep(jobs)
                #expect(created.mapValues(\.count) == ["first": 1, "second": 1, "third": 1, "last": 1], "\(created)")
                if let simulated = installation as? SimulatedInstallation {
                    #expect(simulated.coordinator.generation == 3)
                }
                try await installation.waitForLogs("restart-1", steps: ["first", "second", "third", "last"])
                for name in ["first", "second", "third", "last"] {
                    #expect(try await installation.storedLog(run: "restart-1", step: name).map(\.record.text) == [name])
                }
            }
        }
    }
}
