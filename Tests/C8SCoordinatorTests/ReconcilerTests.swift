import C8SAPI
import C8SCoordinator
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import Logging
import Testing

@Suite struct ReconcilerTests {
    @Test func stepJobHasTheExpectedShape() async throws {
        try await ReconcilerHarness.with { h in
            _ = try await h.client.create(
                C8SAPI.RepositoryConnection(
                    metadata: ObjectMeta(name: "shop", namespace: "default"),
                    spec: .init(
                        repository: "https://github.com/acme/shop", provider: .github,
                        authSecretRef: SecretKeyReference(name: "shop-git", key: "token"),
                        pipelineConfigRef: .init(name: "shop"))))
            var test = step("test", commands: ["go vet ./...", "go test ./..."])
            test.timeout = PipelineDuration(parsing: "10m")
            test.env = ["CGO_ENABLED": "0", "SHARED": "step"]
            test.secrets = [SecretReference(name: "codecov", key: "token", env: "CODECOV_TOKEN")]
            test.resources = ResourceRequirements(
                requests: ["cpu": Quantity(parsing: "1")!], limits: ["memory": Quantity(parsing: "2Gi")!])
            try await h.createConfig(
                "shop",
                PipelineSpec(
                    repository: "https://github.com/acme/shop", env: ["SHARED": "pipeline", "GOFLAGS": "-mod=mod"],
                    steps: [test]))
            try await h.withReconciler(configuration: .init(namespace: "default", jobTTLSecondsAfterFinished: 600)) {
                let run = try await h.createRun("shop-1", config: "shop")
                let job = try await h.waitForJob(run: "shop-1", step: "test")
                #expect(job.metadata.name == "shop-1-test")
                #expect(job.metadata.labels?[C8SLabels.pipelineRun] == "shop-1")
                #expect(job.metadata.labels?[C8SLabels.step] == "test")
                #expect(job.metadata.labels?[C8SLabels.pipelineConfig] == "shop")
                let owner = try #require(job.metadata.ownerReferences?.first)
                #expect(owner.kind == "PipelineRun" && owner.name == "shop-1" && owner.uid == run.metadata.uid)
                #expect(owner.controller == true && owner.blockOwnerDeletion == true)
                let spec = try #require(job.spec)
                #expect(spec.backoffLimit == 0)
                #expect(spec.activeDeadlineSeconds == 600)
                #expect(spec.ttlSecondsAfterFinished == 600)
                #expect(spec.template.metadata?.finalizers == [C8SFinalizers.logs])
                #expect(spec.template.metadata?.labels?[C8SLabels.step] == "test")
                let pod = try #require(spec.template.spec)
                #expect(pod.restartPolicy == "Never")
                #expect(pod.securityContext?["seccompProfile"]?["type"]?.stringValue == "RuntimeDefault")
                let raw = job.unknownFields.raw
                #expect(raw["spec"]?["template"]?["spec"]?["automountServiceAccountToken"]?.boolValue == false)
                let container = try #require(pod.containers.first)
                #expect(container.image == "alpine:3.20")
                #expect(container.command == ["sh", "-e", "-c", "go vet ./...\ngo test ./..."])
                #expect(container.workingDir == "/workspace")
                #expect(container.securityContext?["allowPrivilegeEscalation"]?.boolValue == false)
                #expect(container.resources?.requests?["cpu"] == "1")
                #expect(container.resources?.limits?["memory"] == "2Gi")
                let env = container.env ?? []
                #expect(env.first { $0.name == "SHARED" }?.value == "step")
                #expect(env.first { $0.name == "GOFLAGS" }?.value == "-mod=mod")
                #expect(env.first { $0.name == "CGO_ENABLED" }?.value == "0")
                let secret = try #require(env.first { $0.name == "CODECOV_TOKEN" })
                #expect(secret.value == nil)
                #expect(secret.valueFrom?["secretKeyRef"]?["name"]?.stringValue == "codecov")
                #expect(secret.valueFrom?["secretKeyRef"]?["key"]?.stringValue == "token")
                let clone = try #require(pod.initContainers?.first)
                #expect(clone.name == "clone" && clone.image == "alpine/git")
                #expect(clone.securityContext?["allowPrivilegeEscalation"]?.boolValue == false)
                let cloneEnv = clone.env ?? []
                #expect(cloneEnv.first { $0.name == "C8S_COMMIT" }?.value == run.spec.commit)
                let token = try #require(cloneEnv.first { $0.name == "C8S_GIT_TOKEN" })
                #expect(token.valueFrom?["secretKeyRef"]?["name"]?.stringValue == "shop-git")
                let script = clone.command?.last ?? ""
                #expect(script.contains("credential.helper"))
                #expect(!script.contains("set -x"))
                #expect(
                    pod.volumes?.contains { $0["name"]?.stringValue == "workspace" && $0["emptyDir"] != nil } == true)

                let started = try await h.eventually("run with resolvedSpec and finalizer") {
                    let object = try await h.run("shop-1")
                    return object.status?.resolvedSpec != nil ? object : nil
                }
                #expect(started.metadata.finalizers?.contains(C8SFinalizers.cleanup) == true)
                #expect(started.status?.resolvedSpec?.steps.map(\.name) == ["test"])
                #expect(started.status?[step: "test"]?.jobName == "shop-1-test")
            }
        }
    }

    @Test func noRepositoryMeansNoClone() async throws {
        try await ReconcilerHarness.with { h in
            try await h.createConfig("local", PipelineSpec(steps: [step("build")]))
            try await h.withReconciler {
                try await h.createRun("local-1", config: "local")
                let job = try await h.waitForJob(run: "local-1", step: "build")
                #expect(job.spec?.template.spec?.initContainers == nil)
            }
        }
    }

    @Test func diamondRunsInDependencyOrderAndRecordsEventsAndConfigStatus() async throws {
        try await ReconcilerHarness.with { h in
            try await h.createConfig(
                "diamond",
                PipelineSpec(steps: [
                    step("a"), step("b", after: ["a"]), step("c", after: ["a"]), step("d", after: ["b", "c"]),
                ]))
            try await h.withReconciler {
                try await h.createRun("dia-1", config: "diamond")
                _ = try await h.waitForJob(run: "dia-1", step: "a")
                #expect(try await h.jobs(run: "dia-1").count == 1)
                try await h.finish(run: "dia-1", step: "a")
                _ = try await h.waitForJob(run: "dia-1", step: "b")
                _ = try await h.waitForJob(run: "dia-1", step: "c")
                try await h.finish(run: "dia-1", step: "b")
                try await h.waitForStep(run: "dia-1", step: "b", .succeeded)
                #expect(try await h.job(run: "dia-1", step: "d") == nil)
                try await h.finish(run: "dia-1", step: "c")
                _ = try await h.waitForJob(run: "dia-1", step: "d")
                try await h.finish(run: "dia-1", step: "d")
                let run = try await h.waitForRun("dia-1", .succeeded)
                #expect(run.status?.completionTime != nil && run.status?.startTime != nil)
                #expect(run.status?.conditions?[type: "Succeeded"]?.status == "True")
                #expect(run.status?.steps?.map(\.phase) == [.succeeded, .succeeded, .succeeded, .succeeded])
                #expect(run.status?[step: "a"]?.podName == "dia-1-a-p0d00")
                #expect(run.status?[step: "a"]?.nodeName == "node-1")
                #expect(run.status?[step: "a"]?.exitCode == 0)
                #expect(try await h.jobs(run: "dia-1").count == 4)

                let config = try await h.eventually("config status") {
                    let config = try await h.client.get(PipelineConfig.self, name: "diamond")
                    return config.status?.successRate != nil ? config : nil
                }
                #expect(config.status?.lastRun == "dia-1")
                #expect(config.status?.totalRuns == 1)
                #expect(config.status?.successRate == "100%")

                let events = try await h.client.list(
                    C8SKube.Event.self, namespace: "default",
                    options: ListOptions(fieldSelector: "involvedObject.name=dia-1")
                ).items
                let reasons = events.compactMap(\.reason)
                #expect(reasons.filter { $0 == "StepStarted" }.count == 4)
                #expect(reasons.filter { $0 == "StepSucceeded" }.count == 4)
                #expect(reasons.contains("RunStarted"))
                #expect(reasons.contains("RunSucceeded"))
                #expect(
                    events.allSatisfy {
                        $0.involvedObject.kind == "PipelineRun" && $0.source?.component == "c8s-coordinator"
                    })
            }
        }
    }

    @Test func failedStepSkipsDependentsAndFailsTheRun() async throws {
        try await ReconcilerHarness.with { h in
            try await h.createConfig(
                "fail",
                PipelineSpec(steps: [
                    step("a"), step("b", after: ["a"]), step("c"),
                ]))
            try await h.withReconciler {
                try await h.createRun("fail-1", config: "fail")
                _ = try await h.waitForJob(run: "fail-1", step: "c")
                try await h.finish(run: "fail-1", step: "a", exitCode: 2)
                let skipped = try await h.waitForStep(run: "fail-1", step: "b", .skipped)
                #expect(skipped.status?[step: "b"]?.reason == "DependencyNotSucceeded")
                #expect(skipped.status?[step: "a"]?.exitCode == 2)
                #expect(skipped.status?[step: "a"]?.message?.contains("exit code 2") == true)
                #expect(skipped.status?.phase == .running)  // c still runs
                try await h.finish(run: "fail-1", step: "c")
                let run = try await h.waitForRun("fail-1", .failed)
                #expect(run.status?[step: "c"]?.phase == .succeeded)
                #expect(run.status?.conditions?[type: "Succeeded"]?.reason == "StepFailed")
                #expect(run.status?.message?.contains("step a failed") == true)
                #expect(try await h.job(run: "fail-1", step: "b") == nil)
                // The config status is written after the run's final status and its events.
                let config = try await h.eventually("config status") {
                    let config = try await h.client.get(PipelineConfig.self, name: "fail")
                    return config.status?.successRate != nil ? config : nil
                }
                #expect(config.status?.successRate == "0%")
                let events = try await h.client.list(
                    C8SKube.Event.self, namespace: "default",
                    options: ListOptions(fieldSelector: "involvedObject.name=fail-1")
                ).items
                #expect(events.contains { $0.reason == "StepFailed" && $0.type == "Warning" })
                #expect(events.contains { $0.reason == "RunFailed" })
            }
        }
    }

    @Test func stepTimeoutFailsTheStep() async throws {
        try await ReconcilerHarness.with { h in
            var slow = step("slow")
            slow.timeout = PipelineDuration(parsing: "1m")
            try await h.createConfig("slow", PipelineSpec(steps: [slow, step("after", after: ["slow"])]))
            try await h.withReconciler {
                try await h.createRun("slow-1", config: "slow")
                try await h.finish(run: "slow-1", step: "slow", exitCode: 137, jobReason: "DeadlineExceeded")
                let run = try await h.waitForRun("slow-1", .failed)
                #expect(run.status?[step: "slow"]?.reason == "DeadlineExceeded")
                #expect(run.status?[step: "slow"]?.message?.contains("timeout of 1m") == true)
                #expect(run.status?[step: "after"]?.phase == .skipped)
                #expect(run.status?.conditions?[type: "Succeeded"]?.reason == "StepTimeout")
            }
        }
    }

    @Test func runTimeoutStopsRunningSteps() async throws {
        try await ReconcilerHarness.with { h in
            try await h.createConfig(
                "rt",
                PipelineSpec(
                    timeout: PipelineDuration(parsing: "2s"),
                    steps: [step("forever"), step("next", after: ["forever"])]))
            try await h.withReconciler {
                try await h.createRun("rt-1", config: "rt")
                let job = try await h.waitForJob(run: "rt-1", step: "forever")
                try await h.startPod(for: job)
                let run = try await h.waitForRun("rt-1", .failed)
                #expect(run.status?[step: "forever"]?.phase == .failed)
                #expect(run.status?[step: "forever"]?.reason == "RunTimeout")
                #expect(run.status?[step: "next"]?.phase == .skipped)
                #expect(run.status?.conditions?[type: "Succeeded"]?.reason == "RunTimeout")
                let start = try #require(run.status?.startTime?.date)
                let end = try #require(run.status?.completionTime?.date)
                #expect(end.timeIntervalSince(start) >= 1)
                #expect(try await h.job(run: "rt-1", step: "forever") == nil)
            }
        }
    }

    @Test func cancelStopsJobsAndCancelsTheRun() async throws {
        try await ReconcilerHarness.with { h in
            try await h.createConfig("cx", PipelineSpec(steps: [step("a"), step("b", after: ["a"])]))
            try await h.withReconciler {
                try await h.createRun("cx-1", config: "cx")
                let job = try await h.waitForJob(run: "cx-1", step: "a")
                try await h.startPod(for: job)
                try await h.waitForStep(run: "cx-1", step: "a", .running)
                _ = try await h.client.patch(
                    PipelineRun.self, name: "cx-1", namespace: "default", .merge(["spec": ["cancel": true]]))
                let run = try await h.waitForRun("cx-1", .cancelled)
                #expect(run.status?[step: "a"]?.phase == .cancelled)
                #expect(run.status?[step: "b"]?.phase == .cancelled)
                #expect(run.status?.conditions?[type: "Succeeded"]?.reason == "Cancelled")
                #expect(try await h.job(run: "cx-1", step: "a") == nil)
                #expect(try await h.job(run: "cx-1", step: "b") == nil)
            }
        }
    }

    @Test func restartedReconcilerCreatesNoDuplicateJob() async throws {
        try await ReconcilerHarness.with { h in
            try await h.createConfig("rs", PipelineSpec(steps: [step("a"), step("b", after: ["a"])]))
            try await h.createRun("rs-1", config: "rs")
            let first = try await h.withReconciler {
                try await h.waitForJob(run: "rs-1", step: "a")
            }
            // While no coordinator runs, a's Job finishes.
            try await h.finish(run: "rs-1", step: "a")
            try await h.withReconciler {
                _ = try await h.waitForJob(run: "rs-1", step: "b")
                let again = try await h.job(run: "rs-1", step: "a")
                #expect(again?.metadata.uid == first.metadata.uid)
                try await h.finish(run: "rs-1", step: "b")
                try await h.waitForRun("rs-1", .succeeded)
            }
            // A third coordinator, started on a finished run, changes nothing.
            try await h.withReconciler {
                let run = try await h.run("rs-1")
                #expect(run.status?.phase == .succeeded)
            }
            #expect(try await h.jobs(run: "rs-1").count == 2)
        }
    }

    @Test func jobThatAlreadyExistsIsAdopted() async throws {
        try await ReconcilerHarness.with { h in
            try await h.createConfig("ad", PipelineSpec(steps: [step("a")]))
            let run = try await h.createRun("ad-1", config: "ad")
            // A previous coordinator created the Job but crashed before writing the run's status.
            let spec = PipelineSpec(steps: [step("a")])
            let job = StepJobBuilder().job(run: run, spec: spec, step: spec.steps[0], clone: nil)
            let created = try await h.client.create(job)
            try await h.withReconciler {
                try await h.finish(run: "ad-1", step: "a")
                try await h.waitForRun("ad-1", .succeeded)
            }
            let jobs = try await h.jobs(run: "ad-1")
            #expect(jobs.count == 1)
            #expect(jobs.first?.metadata.uid == created.metadata.uid)
        }
    }

    @Test func matrixParentAggregatesChildren() async throws {
        try await ReconcilerHarness.with { h in
            try await h.createConfig(
                "mx",
                PipelineSpec(
                    matrix: MatrixSpec(
                        axes: ["go": ["1.22", "1.23"], "os": ["debian", "alpine"]],
                        exclude: [["go": "1.22", "os": "alpine"]]),
                    steps: [step("test", image: "golang:${{ matrix.go }}-${{ matrix.os }}")]))
            try await h.withReconciler {
                try await h.createRun("mx-1", config: "mx")
                let children = try await h.eventually("three children") {
                    let runs = try await h.client.list(
                        PipelineRun.self, namespace: "default",
                        options: ListOptions(labelSelector: "\(C8SLabels.matrixParent)=mx-1")
                    ).items
                    return runs.count == 3 ? runs : nil
                }
                let parent = try await h.run("mx-1")
                for child in children {
                    #expect(child.metadata.ownerReferences?.first?.uid == parent.metadata.uid)
                    #expect(child.spec.matrix != nil && child.spec.matrixIndex != nil)
                    #expect(child.metadata.labels?[C8SLabels.pipelineConfig] == "mx")
                }
                let names = children.compactMap(\.metadata.name).sorted()
                #expect(names == ["mx-1-0", "mx-1-1", "mx-1-2"])
                var images: [String] = []
                for name in names {
                    let job = try await h.waitForJob(run: name, step: "test")
                    images.append(job.spec?.template.spec?.containers.first?.image ?? "")
                }
                #expect(Set(images) == ["golang:1.22-debian", "golang:1.23-alpine", "golang:1.23-debian"])
                try await h.finish(run: "mx-1-0", step: "test")
                try await h.finish(run: "mx-1-1", step: "test")
                let running = try await h.eventually("parent counting two") {
                    let parent = try await h.run("mx-1")
                    return parent.status?.message == "2/3 succeeded" ? parent : nil
                }
                #expect(running.status?.phase == .running)
                try await h.finish(run: "mx-1-2", step: "test", exitCode: 1)
                let done = try await h.waitForRun("mx-1", .failed)
                #expect(done.status?.message == "2/3 succeeded, 1 failed")
                #expect(done.status?.resolvedSpec?.matrix != nil)
                let config = try await h.eventually("config status") {
                    let config = try await h.client.get(PipelineConfig.self, name: "mx")
                    return config.status?.successRate != nil ? config : nil
                }
                #expect(config.status?.totalRuns == 1)
                #expect(config.status?.lastRun == "mx-1")
            }
        }
    }

    @Test func deletingARunRemovesItsJobsThenTheFinalizer() async throws {
        try await ReconcilerHarness.with { h in
            try await h.createConfig("del", PipelineSpec(steps: [step("a"), step("b")]))
            try await h.withReconciler {
                try await h.createRun("del-1", config: "del")
                _ = try await h.waitForJob(run: "del-1", step: "a")
                _ = try await h.waitForJob(run: "del-1", step: "b")
                let withFinalizer = try await h.run("del-1")
                #expect(withFinalizer.metadata.finalizers == [C8SFinalizers.cleanup])
                try await h.client.delete(PipelineRun.self, name: "del-1", namespace: "default")
                try await h.eventually("run gone") {
                    try await h.client.getIfPresent(PipelineRun.self, name: "del-1", namespace: "default") == nil
                        ? true : nil
                }
                #expect(try await h.jobs(run: "del-1").isEmpty)
            }
        }
    }

    @Test func laterConfigEditsDoNotChangeARunningRun() async throws {
        try await ReconcilerHarness.with { h in
            try await h.createConfig(
                "ed", PipelineSpec(steps: [step("a"), step("b", after: ["a"], image: "busybox:1")]))
            try await h.withReconciler {
                try await h.createRun("ed-1", config: "ed")
                _ = try await h.waitForJob(run: "ed-1", step: "a")
                try await h.client.modify(PipelineConfig.self, name: "ed", namespace: "default") { config in
                    config.spec.steps[1].image = "busybox:2"
                    config.spec.steps.append(step("c"))
                }
                try await h.finish(run: "ed-1", step: "a")
                let job = try await h.waitForJob(run: "ed-1", step: "b")
                #expect(job.spec?.template.spec?.containers.first?.image == "busybox:1")
                try await h.finish(run: "ed-1", step: "b")
                let run = try await h.waitForRun("ed-1", .succeeded)
                #expect(run.status?.resolvedSpec?.steps.map(\.name) == ["a", "b"])
                #expect(run.status?.resolvedSpec?.steps[1].image == "busybox:1")
                #expect(try await h.job(run: "ed-1", step: "c") == nil)
            }
        }
    }

    @Test func missingConfigFailsTheRun() async throws {
        try await ReconcilerHarness.with { h in
            try await h.withReconciler {
                try await h.createRun("nc-1", config: "nowhere")
                let run = try await h.waitForRun("nc-1", .failed)
                #expect(run.status?.conditions?[type: "Succeeded"]?.reason == "ConfigNotFound")
                #expect(run.status?.message?.contains("nowhere") == true)
            }
        }
    }
}

@Suite struct ReconcilerLifecycleTests {
    @Test func imagePullProblemIsReportedOnTheRun() async throws {
        try await ReconcilerHarness.with { h in
            try await h.createConfig("img", PipelineSpec(steps: [step("a", image: "nope/nope:1")]))
            try await h.withReconciler {
                try await h.createRun("img-1", config: "img")
                let job = try await h.waitForJob(run: "img-1", step: "a")
                let pod = try await h.startPod(for: job)
                _ = try await h.client.patch(
                    Pod.self, name: pod.metadata.name ?? "", namespace: "default",
                    .merge([
                        "status": [
                            "phase": "Pending",
                            "containerStatuses": [
                                [
                                    "name": "step", "ready": false,
                                    "state": [
                                        "waiting": [
                                            "reason": "ImagePullBackOff",
                                            "message": "Back-off pulling image \"nope/nope:1\"",
                                        ]
                                    ],
                                ]
                            ],
                        ]
                    ]), subresource: "status")
                let run = try await h.eventually("ImagePullBackOff on the run") {
                    let run = try await h.run("img-1")
                    return run.status?.conditions?[type: "Succeeded"]?.reason == "ImagePullBackOff" ? run : nil
                }
                #expect(run.status?[step: "a"]?.phase == .pending)
                #expect(run.status?[step: "a"]?.message?.contains("nope/nope:1") == true)
                #expect(run.status?.message?.contains("cannot pull image") == true)
                // The event follows the status write.
                try await h.eventually("StepWaiting event") {
                    let events = try await h.client.list(
                        C8SKube.Event.self, namespace: "default",
                        options: ListOptions(fieldSelector: "involvedObject.name=img-1")
                    ).items
                    return events.contains { $0.reason == "StepWaiting" && $0.type == "Warning" } ? true : nil
                }
            }
        }
    }

    @Test func foreignJobWithTheStepsNameFailsTheStep() async throws {
        try await ReconcilerHarness.with { h in
            try await h.createConfig("fj", PipelineSpec(steps: [step("a")]))
            _ = try await h.client.create(
                Job(
                    metadata: ObjectMeta(name: "fj-1-a", namespace: "default"),
                    spec: JobSpec(
                        template: PodTemplateSpec(
                            spec: PodSpec(
                                containers: [Container(name: "x", image: "alpine")], restartPolicy: "Never")))))
            try await h.withReconciler {
                try await h.createRun("fj-1", config: "fj")
                let run = try await h.waitForRun("fj-1", .failed)
                #expect(run.status?[step: "a"]?.reason == "JobNameTaken")
            }
        }
    }

    @Test func cancellingAMatrixParentCancelsItsChildren() async throws {
        try await ReconcilerHarness.with { h in
            try await h.createConfig(
                "mc",
                PipelineSpec(
                    matrix: MatrixSpec(axes: ["n": ["1", "2"]]), steps: [step("a")]))
            try await h.withReconciler {
                try await h.createRun("mc-1", config: "mc")
                _ = try await h.waitForJob(run: "mc-1-0", step: "a")
                _ = try await h.waitForJob(run: "mc-1-1", step: "a")
                _ = try await h.client.patch(
                    PipelineRun.self, name: "mc-1", namespace: "default", .merge(["spec": ["cancel": true]]))
                let parent = try await h.waitForRun("mc-1", .cancelled)
                #expect(parent.status?.message == "0/2 succeeded, 2 cancelled")
                #expect(try await h.run("mc-1-0").status?.phase == .cancelled)
                #expect(try await h.jobs(run: "mc-1-1").isEmpty)
            }
        }
    }

    @Test func reconcilerResumesAfterLosingAndRegainingLeadership() async throws {
        try await ReconcilerHarness.with { h in
            try await h.createConfig("lead", PipelineSpec(steps: [step("a"), step("b", after: ["a"])]))
            try await h.createRun("lead-1", config: "lead")
            var logger = Logger(label: "c8s.test.reconciler")
            logger.logLevel = .warning
            let reconciler = PipelineRunReconciler(
                client: h.client, configuration: .init(namespace: "default"), logger: logger)
            for step in ["a", "b"] {
                // Each term of leadership runs the same reconciler until it is cancelled.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await reconciler.run() }
                    _ = try await h.waitForJob(run: "lead-1", step: step)
                    group.cancelAll()
                }
                #expect(!reconciler.hasSynced)
                try await h.finish(run: "lead-1", step: step)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await reconciler.run() }
                try await h.waitForRun("lead-1", .succeeded)
                group.cancelAll()
            }
            #expect(try await h.jobs(run: "lead-1").count == 2)
        }
    }
}
