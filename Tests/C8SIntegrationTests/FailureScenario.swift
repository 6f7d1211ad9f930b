import C8SAPI
import C8SCore
import C8SKube
import Testing

extension Scenarios {
    /// A failing step skips its dependents (no Job is ever created for them) and lets an independent branch
    /// finish; the run fails and names the failed step.
    @Test func failingStepSkipsItsDependents() async throws {
        try await withInstallation { installation in
            try await withHistory(of: Job.self, client: installation.client, namespace: installation.namespace) {
                jobs in
                try await installation.createConfig(
                    "failing",
                    PipelineSpec(steps: [
                        installation.step("compile", "echo compiling", "exit 3"),
                        installation.step("unit", after: ["compile"], "echo never"),
                        installation.step("package", after: ["unit"], "echo never"),
                        installation.step("lint", "sleep 1", "echo linted"),
                    ]))
                try await installation.createRun("failing-1", config: "failing")
                let run = try await installation.waitForFinish("failing-1")
                let status = try #require(run.status)
                #expect(status.phase == .failed)
                #expect(status.conditions?.first { $0.type == "Succeeded" }?.reason == "StepFailed")
                #expect(status.message?.contains("compile") == true, "\(status.message ?? "")")
                #expect(status[step: "compile"]?.phase == .failed)
                #expect(status[step: "compile"]?.exitCode == 3)
                for name in ["unit", "package"] {
                    #expect(status[step: name]?.phase == .skipped, "step \(name)")
                    #expect(status[step: name]?.reason == "DependencyNotSucceeded", "step \(name)")
                }
                #expect(status[step: "lint"]?.phase == .succeeded)
                #expect(Set(History.jobUIDsByStep(jobs).keys) == ["compile", "lint"])

                // The failed step's output is stored like any other.
                try await installation.waitForLogs("failing-1", steps: ["compile", "lint"])
                #expect(
                    try await installation.storedLog(run: "failing-1", step: "compile").map(\.record.text) == [
                        "compiling"
                    ])
                #expect(
                    try await installation.storedLog(run: "failing-1", step: "lint").map(\.record.text) == ["linted"])
            }
        }
    }
}
