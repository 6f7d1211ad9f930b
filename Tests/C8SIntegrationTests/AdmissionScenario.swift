import C8SAPI
import C8SCore
import C8SKube
import Testing

extension Scenarios {
    /// With admission served by the coordinator (the API server calls it for every c8s object): an invalid config
    /// is refused with the validator's message and never stored, and a valid config's run is admitted and runs as
    /// it does without admission — including the coordinator's own updates of the run (finalizer, status).
    @Test func admissionRefusesInvalidConfigsAndAdmitsRuns() async throws {
        var options = InstallationOptions()
        options.admission = true
        try await withInstallation(options) { installation in
            let refusal = await #expect(throws: KubeError.self) {
                try await installation.createConfig(
                    "broken",
                    PipelineSpec(steps: [
                        installation.step("build", "echo build"),
                        installation.step("test", after: ["biuld"], "echo test"),
                    ]))
            }
            #expect(
                refusal?.status?.message?.contains(
                    "admission webhook \"validate.c8s.dev\" denied the request: spec.steps[1].dependsOn[0]: unknown "
                        + "step \"biuld\"") == true,
                "\(String(describing: refusal))")
            #expect(
                try await installation.client.getIfPresent(
                    PipelineConfig.self, name: "broken", namespace: installation.namespace) == nil)

            try await installation.createConfig(
                "admitted",
                PipelineSpec(steps: [
                    installation.step("build", "echo admitted build"),
                    installation.step("test", after: ["build"], "echo admitted test"),
                ]))
            try await installation.createRun("admitted-1", config: "admitted")
            let run = try await installation.waitForFinish("admitted-1")
            #expect(run.status?.phase == .succeeded, "\(run.status?.message ?? "")")
            // A run of a config that does not exist is refused before it is stored.
            await #expect(throws: KubeError.self) { try await installation.createRun("orphan-1", config: "missing") }
        }
    }
}
