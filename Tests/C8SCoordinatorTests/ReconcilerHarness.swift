import C8SAPI
import C8SCoordinator
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import Logging
import Testing

struct ReconcilerTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// A test API server with the c8s CRDs, a client, and helpers that play the Job controller.
struct ReconcilerHarness: Sendable {
    let client: KubeClient
    let server: TestAPIServer
    var namespace: String { "default" }

    static func with<T: Sendable>(_ body: @escaping @Sendable (ReconcilerHarness) async throws -> T) async throws -> T {
        var configuration = TestAPIServer.Configuration()
        configuration.crdDirectory = repositoryRoot + "/config/crd"
        configuration.bookmarkInterval = .milliseconds(200)
        return try await withTestAPIServer(configuration: configuration) { server in
            let client = KubeClientConfiguration(server: server.baseURL.absoluteString, namespace: "default")
            var logger = Logger(label: "c8s.test.kube")
            logger.logLevel = .critical
            return try await withKubeClient(configuration: client, logger: logger) { client in
                try await body(ReconcilerHarness(client: client, server: server))
            }
        }
    }

    /// A new temporary directory `PREFIX-UUID` (the caller removes it) holding a kubeconfig for the test API
    /// server, for a `c8s-coordinator` child.
    func makeExecutableDirectory(_ prefix: String) throws -> (directory: URL, kubeconfig: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let kubeconfig = directory.appendingPathComponent("kubeconfig").path
        try server.writeKubeconfig(to: kubeconfig)
        return (directory, kubeconfig)
    }

    /// Runs a reconciler while `body` runs.
    func withReconciler<T: Sendable>(
        configuration: ReconcilerConfiguration = .init(namespace: "default"),
        metrics: ReconcilerMetrics = ReconcilerMetrics(),
        _ body: @Sendable () async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "c8s.test.reconciler")
        logger.logLevel = .warning
        let reconciler = PipelineRunReconciler(
            client: client, configuration: configuration, metrics: metrics, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await reconciler.run() }
            do {
                let result = try await body()
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    @discardableResult
    func createConfig(_ name: String, _ spec: PipelineSpec) async throws -> PipelineConfig {
        try await client.create(PipelineConfig(metadata: ObjectMeta(name: name, namespace: namespace), spec: spec))
    }

    @discardableResult
    func createRun(
        _ name: String, config: String, commit: String = "0123456789abcdef0123456789abcdef01234567",
        branch: String = "main"
    ) async throws -> PipelineRun {
        try await client.create(
            PipelineRun(
                metadata: ObjectMeta(name: name, namespace: namespace),
                spec: .init(
                    pipelineConfigRef: .init(name: config), commit: commit, branch: branch, event: .push,
                    triggeredBy: "test")))
    }

    func run(_ name: String) async throws -> PipelineRun {
        try await client.get(PipelineRun.self, name: name, namespace: namespace)
    }

    func jobs(run: String) async throws -> [Job] {
        try await client.list(
            Job.self, namespace: namespace, options: ListOptions(labelSelector: "\(C8SLabels.pipelineRun)=\(run)")
        ).items
    }

    func job(run: String, step: String) async throws -> Job? {
        try await client.getIfPresent(Job.self, name: PipelineRun.jobName(run: run, step: step), namespace: namespace)
    }

    /// Waits until `check` answers non-nil, checking again on every PipelineRun or Job watch event (and on the
    /// server's bookmarks), until `timeout`.
    @discardableResult
    func eventually<T: Sendable>(
        _ what: String, timeout: Duration = .seconds(30), _ check: @escaping @Sendable () async throws -> T?
    ) async throws -> T {
        if let value = try await check() { return value }
        let deadline = ContinuousClock.now + timeout
        let (wakeups, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let client = self.client
        let namespace = self.namespace
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    let events = try await client.watch(
                        PipelineRun.self, namespace: namespace, options: ListOptions(allowWatchBookmarks: true))
                    for try await _ in events {
                        try Task.checkCancellation()
                        continuation.yield()
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    let events = try await client.watch(
                        Job.self, namespace: namespace, options: ListOptions(allowWatchBookmarks: true))
                    for try await _ in events {
                        try Task.checkCancellation()
                        continuation.yield()
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                continuation.finish()
            }
            defer { group.cancelAll() }
            for await _ in wakeups {
                if let value = try await check() { return value }
                if ContinuousClock.now >= deadline { break }
            }
            if let value = try await check() { return value }
            throw ReconcilerTimeout(what: what)
        }
    }

    /// Waits for the Job of a step and returns it.
    func waitForJob(run: String, step: String) async throws -> Job {
        try await eventually("Job of step \(step)") { try await job(run: run, step: step) }
    }

    /// Waits until the run's step has `phase` in its status.
    @discardableResult
    func waitForStep(run: String, step: String, _ phase: PipelineRun.StepPhase) async throws -> PipelineRun {
        try await eventually("step \(step) \(phase.rawValue)") {
            let object = try await self.run(run)
            return object.status?[step: step]?.phase == phase ? object : nil
        }
    }

    /// Waits until the run has `phase`.
    @discardableResult
    func waitForRun(_ name: String, _ phase: PipelineRun.Phase) async throws -> PipelineRun {
        try await eventually("run \(name) \(phase.rawValue)") {
            let object = try await run(name)
            return object.status?.phase == phase ? object : nil
        }
    }

    // MARK: Playing the Job controller and the kubelet

    /// Creates the Job's Pod on `node-1` (as the Job controller and scheduler would) and returns it.
    @discardableResult
    func startPod(for job: Job) async throws -> Pod {
        let template = job.spec?.template
        var labels = template?.metadata?.labels ?? [:]
        labels["job-name"] = job.metadata.name
        var spec = PodSpec(containers: template?.spec?.containers ?? [], restartPolicy: "Never")
        spec.nodeName = "node-1"
        spec.volumes = template?.spec?.volumes
        let pod = try await client.create(
            Pod(
                metadata: ObjectMeta(
                    name: "\(job.metadata.name ?? "job")-p0d00", namespace: namespace, labels: labels,
                    ownerReferences: [OwnerReference(controller: job)]),
                spec: spec))
        return try await client.patch(
            Pod.self, name: pod.metadata.name ?? "", namespace: namespace,
            .merge([
                "status": [
                    "phase": "Running",
                    "containerStatuses": [
                        [
                            "name": "step", "ready": true,
                            "state": ["running": ["startedAt": .string(KubeTime.now().description)]],
                        ]
                    ],
                ]
            ]), subresource: "status")
    }

    /// Finishes a step: its Pod terminates with `exitCode` and the Job gets the matching condition.
    func finish(run: String, step: String, exitCode: Int = 0, jobReason: String? = nil, containerReason: String? = nil)
        async throws
    {
        let job = try await waitForJob(run: run, step: step)
        let podName = "\(job.metadata.name ?? "job")-p0d00"
        if try await client.getIfPresent(Pod.self, name: podName, namespace: namespace) == nil {
            try await startPod(for: job)
        }
        let now = KubeTime.now().description
        _ = try await client.patch(
            Pod.self, name: podName, namespace: namespace,
            .merge([
                "status": [
                    "phase": exitCode == 0 ? "Succeeded" : "Failed",
                    "containerStatuses": [
                        [
                            "name": "step", "ready": false,
                            "state": [
                                "terminated": [
                                    "exitCode": .int(Int64(exitCode)),
                                    "reason": .string(containerReason ?? (exitCode == 0 ? "Completed" : "Error")),
                                    "finishedAt": .string(now),
                                ]
                            ],
                        ]
                    ],
                ]
            ]), subresource: "status")
        let condition: C8SKube.JSONValue =
            exitCode == 0 && jobReason == nil
            ? ["type": "Complete", "status": "True", "lastTransitionTime": .string(now)]
            : [
                "type": "Failed", "status": "True", "reason": .string(jobReason ?? "BackoffLimitExceeded"),
                "lastTransitionTime": .string(now),
            ]
        var status: C8SKube.JSONValue = ["startTime": .string(now), "conditions": [condition]]
        if exitCode == 0 && jobReason == nil {
            status["succeeded"] = 1
            status["completionTime"] = .string(now)
        } else {
            status["failed"] = 1
        }
        _ = try await client.patch(
            Job.self, name: job.metadata.name ?? "", namespace: namespace, .merge(["status": status]),
            subresource: "status")
    }
}

/// A step.
func step(_ name: String, after: [String] = [], image: String = "alpine:3.20", commands: [String] = ["true"])
    -> PipelineStep
{
    PipelineStep(name: name, image: image, commands: commands, dependsOn: after)
}
