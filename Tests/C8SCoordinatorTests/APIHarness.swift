import AsyncHTTPClient
import C8SAPI
import C8SCoordinator
import C8SCore
import C8SKube
import C8SLogs
import C8STestSupport
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Prometheus
import ServiceLifecycle
import Testing

/// A coordinator serving its REST API against the in-memory API server with the auth model on: `alice` may read,
/// create and cancel runs (and read logs and configs) in `team-a`; `bob` may only read runs in `team-b`. The
/// coordinator's own client uses a service-account token allowed everything. Logs come from a directory store.
struct APIHarness: Sendable {
    static let coordinatorUser = "system:serviceaccount:c8s-system:c8s-coordinator"
    static let model = TestAuthModel(
        tokens: [
            "coordinator-token": .init(name: coordinatorUser, uid: "sa-1", groups: ["system:serviceaccounts"]),
            "alice-token": .init(name: "alice", uid: "alice-uid", groups: ["team-a-devs"]),
            "bob-token": .init(name: "bob", uid: "bob-uid"),
        ],
        grants: [
            .init(.user(coordinatorUser), rules: [.all]),
            .init(
                .group("team-a-devs"),
                rules: [
                    .init(
                        apiGroups: ["c8s.dev"], resources: ["pipelineruns", "pipelineruns/log", "pipelineconfigs"],
                        verbs: ["get", "list", "create", "patch"], namespaces: ["team-a"])
                ]),
            .init(
                .user("bob"),
                rules: [
                    .init(
                        apiGroups: ["c8s.dev"], resources: ["pipelineruns"], verbs: ["get", "list"],
                        namespaces: ["team-b"])
                ]),
        ])

    let server: TestAPIServer
    let client: KubeClient
    let base: String
    let logRoot: String
    let store: DirectoryLogStore

    /// Runs `body` with the coordinator serving (the reconciler watches an unused namespace, so runs stay as the
    /// test writes them).
    static func with<T: Sendable>(
        reconcile namespace: String = "unwatched", registry: PrometheusCollectorRegistry? = nil,
        logStore: (any LogStore)? = nil, _ body: @escaping @Sendable (APIHarness) async throws -> T
    ) async throws -> T {
        var serverConfiguration = TestAPIServer.Configuration(auth: model)
        serverConfiguration.crdDirectory = repositoryRoot + "/config/crd"
        serverConfiguration.bookmarkInterval = .milliseconds(200)
        let logRoot = FileManager.default.temporaryDirectory.appendingPathComponent("c8s-api-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: logRoot, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: logRoot) }
        return try await withTestAPIServer(configuration: serverConfiguration) { server in
            for name in ["team-a", "team-b", namespace] {
                try server.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
            }
            let clientConfiguration = KubeClientConfiguration(
                server: server.baseURL.absoluteString, credentials: .token("coordinator-token"), namespace: "default")
            var logger = Logger(label: "c8s.test.api")
            logger.logLevel = .critical
            return try await withKubeClient(configuration: clientConfiguration, logger: logger) { client in
                var configuration = CoordinatorConfiguration()
                configuration.namespaces = [namespace]
                configuration.leaderElection = false
                configuration.httpHost = "127.0.0.1"
                configuration.httpPort = 0
                let store = DirectoryLogStore(root: logRoot + "/store", syncWrites: false)
                let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
                let coordinator = buildCoordinator(
                    configuration: configuration, client: client, logger: logger,
                    api: CoordinatorAPIConfiguration(logStore: logStore ?? store, logPollInterval: .milliseconds(50)),
                    registry: registry, onServerRunning: { portContinuation.yield($0) })
                let group = ServiceGroup(
                    configuration: .init(
                        services: coordinator.services.map { .init(service: $0) }, logger: logger))
                return try await withThrowingTaskGroup(of: T?.self) { tasks in
                    tasks.addTask {
                        try await group.run()
                        return nil
                    }
                    var iterator = ports.makeAsyncIterator()
                    let port = try #require(await iterator.next())
                    let harness = APIHarness(
                        server: server, client: client, base: "http://127.0.0.1:\(port)", logRoot: logRoot, store: store
                    )
                    do {
                        let result = try await body(harness)
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
    }

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var bytes: [UInt8]
        var text: String { String(decoding: bytes, as: UTF8.self) }
        var json: C8SKube.JSONValue { (try? JSONDecoder().decode(C8SKube.JSONValue.self, from: Data(bytes))) ?? .null }
    }

    /// Sends one request to the coordinator and reads the whole answer.
    func send(_ method: HTTPMethod, _ path: String, token: String?, body: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Reply(
            status: Int(response.status.code), headers: response.headers, bytes: Array(bytes.readableBytesView))
    }

    func get(_ path: String, token: String? = "alice-token") async throws -> Reply {
        try await send(.GET, path, token: token)
    }

    @discardableResult
    func createConfig(_ name: String, namespace: String = "team-a", steps: [String] = ["build"]) async throws
        -> PipelineConfig
    {
        try await client.create(
            PipelineConfig(
                metadata: ObjectMeta(name: name, namespace: namespace),
                spec: PipelineSpec(steps: steps.map { step($0) })))
    }

    /// A run as the reconciler would leave it: steps in its status (with a Pod name when `pod` is given).
    @discardableResult
    func createRun(
        _ name: String, namespace: String = "team-a", config: String = "shop", step stepName: String = "build",
        pod: String? = nil, phase: PipelineRun.StepPhase = .running
    ) async throws -> PipelineRun {
        let run = try await client.create(
            PipelineRun(
                metadata: ObjectMeta(name: name, namespace: namespace),
                spec: .init(pipelineConfigRef: .init(name: config), commit: "abc", branch: "main", event: .push)))
        return try await setStep(run, stepName, pod: pod, phase: phase)
    }

    @discardableResult
    func setStep(_ run: PipelineRun, _ stepName: String, pod: String?, phase: PipelineRun.StepPhase) async throws
        -> PipelineRun
    {
        var updated = try await client.get(
            PipelineRun.self, name: run.metadata.name ?? "", namespace: run.metadata.namespace)
        var status = updated.status ?? PipelineRun.Status(phase: .running)
        status.phase = .running
        var stepStatus = PipelineRun.StepStatus(name: stepName, phase: phase)
        stepStatus.podName = pod
        if pod != nil { stepStatus.startTime = KubeTime(Date()) }
        status.steps = [stepStatus]
        updated.status = status
        return try await client.updateStatus(updated)
    }
}
