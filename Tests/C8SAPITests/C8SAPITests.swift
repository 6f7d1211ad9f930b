import C8SAPI
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import Testing

func withServerAndClient<T: Sendable>(
    _ body: @escaping @Sendable (KubeClient, TestAPIServer) async throws -> T
) async throws -> T {
    var configuration = TestAPIServer.Configuration()
    configuration.crdDirectory = repositoryRoot + "/config/crd"
    return try await withTestAPIServer(configuration: configuration) { server in
        let client = KubeClientConfiguration(server: server.baseURL.absoluteString, namespace: "default")
        return try await withKubeClient(configuration: client) { client in try await body(client, server) }
    }
}

@Suite struct C8SAPITests {
    @Test func samplesDecodeIntoTheTypes() async throws {
        try await withServerAndClient { client, server in
            try server.loadManifests(from: repositoryRoot + "/config/samples")
            let config = try await client.get(PipelineConfig.self, name: "shop")
            #expect(config.spec.repository == "https://github.com/acme/shop")
            #expect(config.spec.steps.map(\.name) == ["lint", "test"])
            #expect(config.spec.steps[1].dependsOn == ["lint"])
            #expect(config.spec.branches == ["main", "release/*"])

            let run = try await client.get(PipelineRun.self, name: "shop-7f3a9c1")
            #expect(run.spec.pipelineConfigRef.name == "shop")
            #expect(run.spec.event == .push)
            #expect(run.spec.matrix == ["go": "1.23", "os": "debian"])
            #expect(run.spec.matrixIndex == 1)
            #expect(run.spec.triggeredAt?.description == "2026-01-01T12:00:00Z")
            #expect(run.metadata.labels?[C8SLabels.pipelineConfig] == "shop")

            let connection = try await client.get(RepositoryConnection.self, name: "shop")
            #expect(connection.spec.provider == .github)
            #expect(connection.spec.webhookSecretRef == SecretKeyReference(name: "shop-webhook", key: "secret"))
            #expect(connection.spec.pipelineConfigRef.name == "shop")
        }
    }

    @Test func runStatusRoundTripsThroughTheStatusSubresource() async throws {
        try await withServerAndClient { client, _ in
            var spec = PipelineSpec()
            spec.branches = ["main"]
            spec.steps = [PipelineStep(name: "build", image: "alpine", commands: ["make"])]
            let config = try await client.create(PipelineConfig(metadata: ObjectMeta(name: "app"), spec: spec))
            let run = try await client.create(
                PipelineRun(
                    metadata: ObjectMeta(
                        name: "app-1", labels: [C8SLabels.pipelineConfig: "app"], finalizers: [C8SFinalizers.cleanup]),
                    spec: .init(
                        pipelineConfigRef: .init(name: "app"), commit: "abc123", branch: "main", event: .push,
                        triggeredBy: "alice", triggeredAt: KubeTime(Date(timeIntervalSince1970: 1_767_225_600)))))
            #expect(run.spec.cancel == false)  // the CRD's default

            var status = PipelineRun.Status(phase: .running)
            status.startTime = KubeTime(Date(timeIntervalSince1970: 1_767_225_601))
            status.resolvedSpec = config.spec
            var step = PipelineRun.StepStatus(name: "build", phase: .succeeded)
            step.jobName = "app-1-build"
            step.podName = "app-1-build-xyz"
            step.nodeName = "node-1"
            step.exitCode = 0
            step.logURL = "/api/v1/namespaces/default/runs/app-1/steps/build/logs"
            step.logs = .init(bytes: 1024, lines: 10, chunks: 1, complete: true)
            step.artifactURLs = ["s3://bucket/a"]
            status.steps = [step]
            status.conditions = []
            status.conditions?.set(Condition(type: "Ready", status: "False", reason: "Running"))
            var withStatus = run
            withStatus.status = status
            let updated = try await client.updateStatus(withStatus)
            #expect(updated.status == status)
            let read = try await client.get(PipelineRun.self, name: "app-1")
            #expect(read.status?[step: "build"]?.logs?.complete == true)
            #expect(read.status?.resolvedSpec == config.spec)
            #expect(read.metadata.finalizers == [C8SFinalizers.cleanup])
        }
    }

    @Test func clearingAPipelineFieldRemovesItFromTheStoredObject() async throws {
        try await withServerAndClient { client, _ in
            var spec = PipelineSpec()
            spec.branches = ["main"]
            spec.env = ["A": "1"]
            spec.steps = [PipelineStep(name: "build", image: "alpine", commands: ["make"])]
            var config = try await client.create(PipelineConfig(metadata: ObjectMeta(name: "app"), spec: spec))
            config.spec.branches = []
            config.spec.env = [:]
            config.status = nil
            _ = try await client.update(config)
            struct Raw: KubeResource {
                static let apiVersion = PipelineConfig.apiVersion
                static let kind = PipelineConfig.kind
                static let plural = PipelineConfig.plural
                static let namespaced = true
                var metadata: ObjectMeta
                var unknownFields = UnknownFields()
            }
            let raw = try await client.get(Raw.self, name: "app").unknownFields.raw
            #expect(raw["spec"]?["branches"] == nil)
            #expect(raw["spec"]?["env"] == nil)
            #expect(raw["spec"]?["steps"]?.arrayValue?.count == 1)
        }
    }

    @Test func typesNameTheCRDs() {
        #expect(PipelineRun.apiVersion == "c8s.dev/v1alpha1")
        #expect(PipelineConfig.plural == "pipelineconfigs")
        #expect(RepositoryConnection.plural == "repositoryconnections")
        #expect(RepositoryConnection.Provider.allCases.map(\.rawValue) == ["github", "gitlab", "bitbucket", "gitea"])
        #expect(C8SLabels.step == "c8s.dev/step")
        #expect(C8SFinalizers.logs == "c8s.dev/logs")
    }
}

@Suite struct JobNameTests {
    @Test func shortNamesAreJoinedLongOnesHashed() {
        #expect(PipelineRun.jobName(run: "shop-7f3a9c1", step: "lint") == "shop-7f3a9c1-lint")
        let run = String(repeating: "r", count: 40)
        let a = PipelineRun.jobName(run: run, step: "integration-tests-a")
        let b = PipelineRun.jobName(run: run, step: "integration-tests-b")
        #expect(a.count <= PipelineRun.maximumJobNameLength)
        #expect(
            PipelineRun.jobName(run: String(repeating: "x", count: 60), step: "s").count
                == PipelineRun.maximumJobNameLength)
        #expect(a != b)
        #expect(a == PipelineRun.jobName(run: run, step: "integration-tests-a"))
        #expect(a.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" })
        let dashed = PipelineRun.jobName(
            run: String(repeating: "a", count: 40) + "-", step: "s-" + String(repeating: "b", count: 20))
        #expect(!dashed.contains("--"))
    }
}
