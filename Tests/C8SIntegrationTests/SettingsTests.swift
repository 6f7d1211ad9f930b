import Testing

/// How the suite picks its installation and its images.
@Suite struct SettingsTests {
    @Test func imagesComeFromTheOneFileAndTheEnvironmentOverridesThem() throws {
        let images = try E2EImages.load(environment: [:])
        #expect(!images.step.isEmpty && !images.clone.isEmpty && !images.coordinator.isEmpty && !images.agent.isEmpty)
        let overridden = try E2EImages.load(environment: ["C8S_E2E_STEP_IMAGE": "mirror.example/alpine:3.20"])
        #expect(overridden.step == "mirror.example/alpine:3.20")
        #expect(overridden.agent == images.agent)
    }

    @Test func aMalformedImagesLineIsNamed() throws {
        #expect(throws: IntegrationError.self) { try E2EImages.parse("A=b\n\nnot a pair\n", file: "images.env") }
        do {
            _ = try E2EImages.parse("# comment\nA=b\nnot a pair\n", file: "images.env")
        } catch {
            #expect("\(error)" == "images.env:3: expected KEY=VALUE, found 'not a pair'")
        }
        #expect(try E2EImages.parse("A=b=c\n # x\n", file: "f") == ["A": "b=c"])
    }

    @Test func theClusterIsChosenOnlyWithItsKubeconfig() throws {
        #expect(try ClusterSettings.fromEnvironment([:]) == nil)
        #expect(try ClusterSettings.fromEnvironment(["C8S_E2E_KUBECONFIG": ""]) == nil)
        #expect(throws: IntegrationError.self) { try ClusterSettings.fromEnvironment(["C8S_E2E_KUBECONFIG": "/k"]) }
        let settings = try #require(
            try ClusterSettings.fromEnvironment([
                "C8S_E2E_KUBECONFIG": "/k", "C8S_E2E_LOG_STORE": "s3://b/p", "C8S_E2E_SYSTEM_NAMESPACE": "ci-system",
            ]))
        #expect(settings.kubeconfig == "/k")
        #expect(settings.logStore == "s3://b/p")
        #expect(settings.systemNamespace == "ci-system")
        #expect(settings.agentSelector == "app.kubernetes.io/name=c8s,app.kubernetes.io/component=agent")
    }
}
