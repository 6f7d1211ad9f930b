import C8SAPI
import C8SAgent
import C8SKube
import C8SLogs
import C8STestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

struct AgentTestTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// The test API server (with the c8s CRDs), a two-node cluster simulator writing CRI logs under a private log
/// root, a client, and a private temporary directory for stores and state.
struct AgentCluster: Sendable {
    let server: TestAPIServer
    let simulator: ClusterSimulator
    let client: KubeClient
    let logRoot: String
    let root: String
    var namespace: String { "default" }

    static func with<T: Sendable>(
        nodes: [String] = ["node-a", "node-b"],
        configure: @escaping @Sendable (inout ClusterSimulator.Configuration) -> Void = { _ in },
        _ body: @escaping @Sendable (AgentCluster) async throws -> T
    ) async throws -> T {
        let root = NSTemporaryDirectory() + "c8s-agent-test-" + UUID().uuidString.lowercased()
        let logRoot = root + "/pods"
        try FileManager.default.createDirectory(atPath: logRoot, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var configuration = TestAPIServer.Configuration()
        configuration.crdDirectory = repositoryRoot + "/config/crd"
        configuration.bookmarkInterval = .milliseconds(200)
        let quiet = {
            var logger = Logger(label: "c8s.test")
            logger.logLevel = .critical
            return logger
        }()
        return try await withTestAPIServer(configuration: configuration) { server in
            try await withClusterSimulator(
                server: server, nodes: nodes, logRoot: logRoot, configure: configure, logger: quiet
            ) { sim in
                let client = KubeClientConfiguration(server: server.baseURL.absoluteString, namespace: "default")
                return try await withKubeClient(configuration: client, logger: quiet) { client in
                    try await body(
                        AgentCluster(
                            server: server, simulator: sim, client: client, logRoot: logRoot, root: root))
                }
            }
        }
    }

    /// A fresh directory under the cluster's root.
    func directory(_ name: String) throws -> String {
        let path = "\(root)/\(name)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    // MARK: Objects

    @discardableResult
    func createRun(_ name: String) async throws -> PipelineRun {
        try await client.create(
            PipelineRun(
                metadata: ObjectMeta(name: name, namespace: namespace),
                spec: .init(
                    pipelineConfigRef: .init(name: "config"), commit: String(repeating: "a", count: 40),
                    branch: "main", event: .push, triggeredBy: "test")))
    }

    @discardableResult
    func createSecret(_ name: String, _ values: [String: String]) async throws -> Secret {
        try await client.create(
            Secret(
                metadata: ObjectMeta(name: name, namespace: namespace), data: values.mapValues { Array($0.utf8) }))
    }

    /// Creates the Job of a step as the coordinator would: labels `c8s.dev/pipeline-run` and `c8s.dev/step`, the
    /// Pod template finalizer `c8s.dev/logs`, pinned to `node`; one container `step` running `script` with `sh -c`,
    /// its environment `env` (e.g. from a Secret).
    @discardableResult
    func createStepJob(
        run: String, step: String, node: String, script: String, env: [EnvVar] = [], ttl: Int32? = nil,
        initScript: String? = nil, activeDeadlineSeconds: Int64? = nil
    ) async throws -> Job {
        let labels = [C8SLabels.pipelineRun: run, C8SLabels.step: step]
        var spec = PodSpec(
            containers: [Container(name: "step", image: "busybox:1.36", command: ["sh", "-c", script], env: env)],
            restartPolicy: "Never")
        if let initScript {
            spec.initContainers = [
                Container(name: "prepare", image: "busybox:1.36", command: ["sh", "-c", initScript])
            ]
        }
        spec.nodeSelector = ["kubernetes.io/hostname": node]
        return try await client.create(
            Job(
                metadata: ObjectMeta(
                    name: PipelineRun.jobName(run: run, step: step), namespace: namespace, labels: labels),
                spec: JobSpec(
                    template: PodTemplateSpec(
                        metadata: ObjectMeta(labels: labels, finalizers: [C8SFinalizers.logs]), spec: spec),
                    backoffLimit: 0, activeDeadlineSeconds: activeDeadlineSeconds, ttlSecondsAfterFinished: ttl)))
    }

    /// The Pods of a step's Job.
    func pods(run: String, step: String) async throws -> [Pod] {
        try await client.list(
            Pod.self, namespace: namespace,
            options: ListOptions(labelSelector: "job-name=\(PipelineRun.jobName(run: run, step: step))")
        ).items
    }

    // MARK: Waiting on watches

    /// Waits (on a watch, with a deadline) until the objects of `R` selected by `options` satisfy `condition`
    /// (which gets them all); returns its answer.
    @discardableResult
    func waitFor<R: KubeResource, T: Sendable>(
        _ type: R.Type, selector: ListOptions = ListOptions(), timeout: Duration = .seconds(60), _ what: String,
        _ condition: @escaping @Sendable ([R]) async throws -> T?
    ) async throws -> T {
        let (client, namespace) = (self.client, self.namespace)
        return try await withDeadline(timeout, what) {
            while true {
                let list = try await client.list(R.self, namespace: namespace, options: selector)
                if let value = try await condition(list.items) { return value }
                var options = selector
                options.resourceVersion = list.metadata.resourceVersion
                options.allowWatchBookmarks = true
                var objects: [String: R] = Dictionary(
                    list.items.map { ($0.metadata.uid ?? "", $0) }, uniquingKeysWith: { $1 })
                for try await event in try await client.watch(R.self, namespace: namespace, options: options) {
                    switch event {
                    case .added(let object), .modified(let object): objects[object.metadata.uid ?? ""] = object
                    case .deleted(let object): objects.removeValue(forKey: object.metadata.uid ?? "")
                    default: continue
                    }
                    if let value = try await condition(Array(objects.values)) { return value }
                }
            }
        }
    }

    /// Waits until the run's step status satisfies `condition`.
    @discardableResult
    func waitForStep(
        run: String, step: String, timeout: Duration = .seconds(60), _ what: String,
        _ condition: @escaping @Sendable (PipelineRun.StepStatus) -> Bool
    ) async throws -> PipelineRun {
        try await waitFor(
            PipelineRun.self, selector: ListOptions(fieldSelector: "metadata.name=\(run)"), timeout: timeout,
            "run \(run) step \(step): \(what)"
        ) { runs in
            guard let object = runs.first, let status = object.status?[step: step], condition(status) else {
                return nil
            }
            return object
        }
    }

    /// Waits until the step's log summary is complete.
    @discardableResult
    func waitForCompleteLogs(run: String, step: String, timeout: Duration = .seconds(60)) async throws -> PipelineRun {
        try await waitForStep(run: run, step: step, timeout: timeout, "logs complete") { $0.logs?.complete == true }
    }

    /// Waits until the step's Pod satisfies `condition`.
    @discardableResult
    func waitForPod(
        run: String, step: String, timeout: Duration = .seconds(60), _ what: String,
        _ condition: @escaping @Sendable (Pod) -> Bool
    ) async throws -> Pod {
        try await waitFor(
            Pod.self, selector: ListOptions(labelSelector: "job-name=\(PipelineRun.jobName(run: run, step: step))"),
            timeout: timeout, "Pod of \(run)/\(step): \(what)"
        ) { pods in pods.first(where: condition) }
    }

    // MARK: The agent

    /// A running in-process agent.
    struct RunningAgent: Sendable {
        let port: Int
        let logs: CapturedLogs
        let store: any LogStore
        var baseURL: String { "http://127.0.0.1:\(port)" }
    }

    /// Runs an agent for `node` (built with `buildAgent`) while `body` runs, then shuts it down gracefully and waits.
    func withAgent<T: Sendable>(
        node: String, store: any LogStore, storeURL: LogStoreURL, stateDirectory: String,
        logs: CapturedLogs = CapturedLogs(), configure: @Sendable (inout AgentConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (RunningAgent) async throws -> T
    ) async throws -> T {
        var configuration = AgentConfiguration(nodeName: node, logStoreURL: storeURL)
        configuration.logRoot = logRoot
        configuration.stateDirectory = stateDirectory
        configuration.httpHost = "127.0.0.1"
        configuration.httpPort = 0
        configuration.statusInterval = .milliseconds(200)
        configuration.shipper = LogShipper.Configuration(
            chunker: ChunkerConfiguration(maxUncompressedBytes: 2048, maxAgeNanos: 100_000_000),
            flushInterval: .milliseconds(100))
        configuration.retryBackoff = .milliseconds(100)
        configuration.maximumRetryBackoff = .seconds(1)
        configure(&configuration)
        let logger = logs.logger("c8s.agent.\(node)")
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let agent = buildAgent(
            configuration: configuration, client: client, store: store, logger: logger,
            onServerRunning: { port in
                portContinuation.yield(port)
                portContinuation.finish()
            })
        let group = ServiceGroup(
            configuration: .init(services: agent.services.map { .init(service: $0) }, logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                try await tasks.waitForAll()
                throw AgentTestTimeout(what: "the agent's HTTP server")
            }
            do {
                let result = try await body(RunningAgent(port: port, logs: logs, store: store))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }
}

// MARK: Reading stores

/// Every object of a store, by key.
func storedObjects(_ store: any LogStore) async throws -> [String: [UInt8]] {
    var objects: [String: [UInt8]] = [:]
    for object in try await store.list(prefix: "") {
        objects[object.key] = try await store.get(object.key)
    }
    return objects
}

/// Decompresses a zstd frame with the `zstd` command-line tool.
func zstdDecompress(_ data: [UInt8], scratch: String) async throws -> [UInt8] {
    let path = "\(scratch)/chunk-\(UUID().uuidString).zst"
    try Data(data).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let result = try await ChildProcess.run("zstd", ["-dc", "-q", path])
    guard result.succeeded else {
        throw AgentTestTimeout(what: "zstd -dc to succeed (\(result.termination)): \(result.errorText)")
    }
    return Array(result.standardOutput)
}

/// The stored lines of a container, in order.
func storedRecords(_ store: any LogStore, namespace: String, run: String, step: String, container: String)
    async throws -> [NumberedLogRecord]
{
    let reader = LogReader(
        store: store, location: try LogLocation(namespace: namespace, run: run, step: step, container: container))
    var records: [NumberedLogRecord] = []
    for try await record in reader.records() { records.append(record) }
    return records
}

extension Array where Element == UInt8 {
    func contains(_ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard !needle.isEmpty, count >= needle.count else { return false }
        for start in 0...(count - needle.count) where self[start] == needle[0] {
            if Array(self[start..<(start + needle.count)]) == needle { return true }
        }
        return false
    }
}
