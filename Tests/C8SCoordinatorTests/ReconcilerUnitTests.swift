import C8SAPI
import C8SCoordinator
import C8SCore
import C8SKube
import Foundation
import MetricsTestKit
import Testing

/// The pure parts of the reconciler: reading Jobs and Pods, deciding a run's next actions, naming children.
@Suite struct ReconcilerUnitTests {
    static func job(_ status: C8SKube.JSONValue = [:], deadline: Int64? = nil) throws -> Job {
        var json: C8SKube.JSONValue = [
            "metadata": ["name": "r-a", "creationTimestamp": "2026-01-01T00:00:00Z"],
            "spec": ["template": ["spec": ["containers": [["name": "step", "image": "alpine"]]]]],
            "status": status,
        ]
        if let deadline { json["spec"]?["activeDeadlineSeconds"] = .int(deadline) }
        return try KubeCodec.decode(Job.self, from: json)
    }

    static func pod(_ status: C8SKube.JSONValue, memoryLimit: String? = nil) throws -> Pod {
        var container: C8SKube.JSONValue = ["name": "step", "image": "golang:1.23"]
        if let memoryLimit { container["resources"] = ["limits": ["memory": .string(memoryLimit)]] }
        return try KubeCodec.decode(
            Pod.self,
            from: [
                "metadata": ["name": "r-a-xyz"], "spec": ["nodeName": "n1", "containers": [container]],
                "status": status,
            ])
    }

    @Test func oomKilledIsSurfaced() throws {
        let job = try Self.job([
            "failed": 1, "conditions": [["type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"]],
        ])
        let pod = try Self.pod(
            [
                "phase": "Failed",
                "containerStatuses": [
                    ["name": "step", "state": ["terminated": ["exitCode": 137, "reason": "OOMKilled"]]]
                ],
            ], memoryLimit: "2Gi")
        let observation = StepObservation.observe(job: job, pod: pod)
        #expect(observation.phase == .failed)
        #expect(observation.reason == "OOMKilled")
        #expect(observation.exitCode == 137)
        #expect(observation.message?.contains("2Gi") == true)
        #expect(observation.nodeName == "n1" && observation.podName == "r-a-xyz")
    }

    @Test func imagePullProblemsKeepTheStepPending() throws {
        let pod = try Self.pod([
            "phase": "Pending",
            "containerStatuses": [
                [
                    "name": "step",
                    "state": [
                        "waiting": [
                            "reason": "ImagePullBackOff", "message": "Back-off pulling image \"golang:1.23\"",
                        ]
                    ],
                ]
            ],
        ])
        let observation = StepObservation.observe(job: try Self.job(["active": 1]), pod: pod)
        #expect(observation.phase == .pending)
        #expect(observation.plannerPhase == .running)
        #expect(observation.reason == "ImagePullBackOff")
        #expect(observation.message?.contains("golang:1.23") == true)
    }

    @Test func unschedulablePodIsExplained() throws {
        let pod = try Self.pod([
            "phase": "Pending",
            "conditions": [
                [
                    "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                    "message": "0/3 nodes are available: 3 Insufficient memory.",
                ]
            ],
        ])
        let observation = StepObservation.observe(job: try Self.job(["active": 1]), pod: pod)
        #expect(observation.reason == "Unschedulable")
        #expect(observation.message?.contains("Insufficient memory") == true)
    }

    @Test func deadlineExceededNamesTheTimeout() throws {
        let job = try Self.job(
            ["failed": 1, "conditions": [["type": "Failed", "status": "True", "reason": "DeadlineExceeded"]]],
            deadline: 600)
        let observation = StepObservation.observe(job: job, pod: nil)
        #expect(observation.phase == .failed)
        #expect(observation.reason == "DeadlineExceeded")
        #expect(observation.message == "the step ran longer than its timeout of 10m")
    }

    @Test func decisionStartsRootStepsAndSnapshotsTheSpec() throws {
        let spec = PipelineSpec(steps: [step("a"), step("b", after: ["a"]), step("c")])
        var run = PipelineRun(
            metadata: ObjectMeta(name: "r", namespace: "default"), spec: .init(pipelineConfigRef: .init(name: "p")))
        run.metadata.uid = "u1"
        let decision = RunDecision.decide(run: run, spec: spec, jobs: [:], pods: [:], now: Date())
        #expect(decision.create.map(\.name) == ["a", "c"])
        #expect(decision.status.resolvedSpec == spec)
        #expect(decision.status.steps?.map(\.name) == ["a", "b", "c"])
        #expect(decision.status[step: "a"]?.jobName == "r-a")
        #expect(decision.status[step: "b"]?.phase == .pending)
        #expect(decision.status.conditions?[type: "Succeeded"]?.status == "Unknown")
    }

    static func run() -> PipelineRun {
        var run = PipelineRun(
            metadata: ObjectMeta(name: "r", namespace: "default"),
            spec: .init(pipelineConfigRef: .init(name: "p"), commit: "abc123", branch: "main"))
        run.metadata.uid = "u1"
        return run
    }

    @Test func sshCloneMountsTheKeyAndSetsGitSSHCommand() throws {
        let spec = PipelineSpec(repository: "git@github.com:acme/shop.git", steps: [step("a")])
        let clone = CloneSource(
            repository: "git@github.com:acme/shop.git", commit: "abc123",
            credentials: .sshKey(secretName: "deploy-key", key: "ssh-privatekey"))
        let job = StepJobBuilder().job(run: Self.run(), spec: spec, step: spec.steps[0], clone: clone)
        let pod = try #require(job.spec?.template.spec)
        let volume = try #require(pod.volumes?.first { $0["name"]?.stringValue == "git-ssh" })
        #expect(volume["secret"]?["secretName"]?.stringValue == "deploy-key")
        let cloner = try #require(pod.initContainers?.first)
        #expect(cloner.env?.first { $0.name == "GIT_SSH_COMMAND" }?.value?.contains("/etc/c8s/git-ssh/id") == true)
        #expect(cloner.env?.contains { $0.name == "C8S_GIT_TOKEN" } == false)
        #expect(pod.containers[0].volumeMounts?.contains { $0["name"]?.stringValue == "git-ssh" } == false)
    }

    @Test func tokenCloneReadsTheTokenFromTheSecretOnly() throws {
        let spec = PipelineSpec(repository: "https://gitlab.com/acme/shop.git", steps: [step("a")])
        let connection = C8SAPI.RepositoryConnection(
            metadata: ObjectMeta(name: "shop"),
            spec: .init(
                repository: "acme/shop", provider: .gitlab,
                authSecretRef: SecretKeyReference(name: "gl", key: "token"), pipelineConfigRef: .init(name: "p")))
        let credentials = CloneSource.credentials(for: connection, repository: spec.repository!)
        #expect(credentials == .token(secretName: "gl", key: "token", username: "oauth2"))
        let clone = CloneSource(repository: spec.repository!, commit: "abc123", credentials: credentials)
        let job = StepJobBuilder().job(run: Self.run(), spec: spec, step: spec.steps[0], clone: clone)
        let cloner = try #require(job.spec?.template.spec?.initContainers?.first)
        let token = try #require(cloner.env?.first { $0.name == "C8S_GIT_TOKEN" })
        #expect(token.value == nil)
        #expect(token.valueFrom?["secretKeyRef"]?["name"]?.stringValue == "gl")
        let script = cloner.command?.last ?? ""
        #expect(script.contains("$C8S_GIT_TOKEN"))
        #expect(script.contains("fetch -q --depth 1 origin \"$C8S_COMMIT\""))
        #expect(!script.contains("set -x") && !script.contains("echo $C8S_GIT_TOKEN"))
        // The step container never sees the clone token.
        #expect(job.spec?.template.spec?.containers[0].env?.contains { $0.name == "C8S_GIT_TOKEN" } == false)
    }

    @Test func matrixChildNamesFitALabel() {
        #expect(MatrixAggregate.childName(parent: "shop-1", index: 3) == "shop-1-3")
        let long = String(repeating: "x", count: 63)
        #expect(MatrixAggregate.childName(parent: long, index: 12).count == 63)
    }

    @Test func metricsCountFinishedRunsAndStepsByPhase() async throws {
        let metrics = TestMetrics()
        try await ReconcilerHarness.with { h in
            try await h.createConfig("m", PipelineSpec(steps: [step("a"), step("b", after: ["a"])]))
            try await h.withReconciler(metrics: ReconcilerMetrics(factory: metrics)) {
                try await h.createRun("m-1", config: "m")
                try await h.finish(run: "m-1", step: "a", exitCode: 1)
                try await h.waitForRun("m-1", .failed)
            }
        }
        let runs = try metrics.expectCounter("c8s_runs_finished_total", [("phase", "Failed")])
        #expect(runs.totalValue == 1)
        #expect(try metrics.expectCounter("c8s_steps_finished_total", [("phase", "Failed")]).totalValue == 1)
        #expect(try metrics.expectCounter("c8s_steps_finished_total", [("phase", "Skipped")]).totalValue == 1)
        #expect(try metrics.expectCounter("c8s_runs_started_total").totalValue == 1)
    }
}
