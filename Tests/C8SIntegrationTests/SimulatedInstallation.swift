import C8SAPI
import C8SCoordinator
import C8SKube
import C8SLogs
import C8STestSupport
import Foundation
import Logging

/// The whole installation on this machine (`make test`): the in-memory API server with the c8s CRDs, the cluster
/// simulator with nodes `node-a` and `node-b` (Job controller, scheduler, kubelets running step commands as local
/// processes and writing CRI logs), SeaweedFS as S3 (from ``SeaweedFSTrait``, a fresh key prefix per
/// installation), the coordinator built by `buildCoordinator` in this process (restartable), and one agent per node
/// (in this process, or `c8s-agent` processes a scenario may kill). Every part's own log is captured in memory.
final class SimulatedInstallation: Installation {
    let client: KubeClient
    let server: TestAPIServer
    let simulator: ClusterSimulator
    let images: E2EImages
    let logStore: any LogStore
    let logStoreURL: LogStoreURL
    let logs: CapturedLogs
    let coordinator: CoordinatorSupervisor
    let agents: SimulatedAgents
    let seaweed: SeaweedFSServer
    let ownsSeaweed: Bool
    /// A directory of this installation that step processes can see too (they run on this machine).
    let scratchDirectory: String
    let nodes = ["node-a", "node-b"]
    var namespace: String { "default" }
    var isSimulated: Bool { true }
    var appliesJobTTL: Bool { true }
    var patience: Duration { .seconds(60) }
    var description: String { "the simulated installation (API server \(server.baseURL.absoluteString))" }

    private init(
        client: KubeClient, server: TestAPIServer, simulator: ClusterSimulator, images: E2EImages,
        logStore: any LogStore, logStoreURL: LogStoreURL, logs: CapturedLogs, coordinator: CoordinatorSupervisor,
        agents: SimulatedAgents, seaweed: SeaweedFSServer, ownsSeaweed: Bool, scratchDirectory: String
    ) {
        self.client = client
        self.server = server
        self.simulator = simulator
        self.images = images
        self.logStore = logStore
        self.logStoreURL = logStoreURL
        self.logs = logs
        self.coordinator = coordinator
        self.agents = agents
        self.seaweed = seaweed
        self.ownsSeaweed = ownsSeaweed
        self.scratchDirectory = scratchDirectory
    }

    /// Stops S3 (the installation's own server, ``InstallationOptions/privateS3``); writes fail until ``startS3()``.
    func stopS3() async throws {
        guard ownsSeaweed else { throw IntegrationError("S3 is shared; a scenario that stops it asks for privateS3") }
        await seaweed.stop()
    }

    /// Starts S3 again after ``stopS3()``, same ports and data.
    func startS3() async throws {
        guard ownsSeaweed else { throw IntegrationError("S3 is shared; a scenario that stops it asks for privateS3") }
        try await seaweed.restart()
    }

    func restartCoordinator() async throws {
        await coordinator.restart()
    }

    func killAgent(onNode node: String) async throws {
        try await agents.kill(node: node)
    }

    func agentURLPrefix(node: String) async throws -> String {
        guard let url = agents.url(node: node) else { throw IntegrationError("no agent runs on \(node)") }
        return url
    }

    func componentLogs() async throws -> String {
        logs.text + "\n" + agents.processOutput
    }

    /// Starts every part, runs `body`, and stops every part (killing any step process still running).
    static func with<T: Sendable>(
        options: InstallationOptions, _ body: @Sendable (any Installation) async throws -> T
    ) async throws -> T {
        if options.privateS3 {
            return try await SeaweedFSServer.withServer { seaweed in
                try await with(options: options, seaweed: seaweed, ownsSeaweed: true, body)
            }
        }
        guard let seaweed = SeaweedFSTrait.server else {
            throw IntegrationError("the simulated installation needs the suite's SeaweedFS server (.seaweedFS trait)")
        }
        return try await with(options: options, seaweed: seaweed, ownsSeaweed: false, body)
    }

    private static func with<T: Sendable>(
        options: InstallationOptions, seaweed: SeaweedFSServer, ownsSeaweed: Bool,
        _ body: @Sendable (any Installation) async throws -> T
    ) async throws -> T {
        let images = try E2EImages.load()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "c8s-integ-\(UUID().uuidString.prefix(8).lowercased())"
        ).path
        try FileManager.default.createDirectory(atPath: root + "/pods", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/scratch", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let prefix = "integ-\(UUID().uuidString.prefix(8).lowercased())"
        let logs = CapturedLogs()
        let s3 = S3Configuration(
            endpoint: seaweed.endpoint, bucket: seaweed.bucket, prefix: prefix,
            credentials: .fixed(S3Credentials(accessKeyID: seaweed.accessKey, secretAccessKey: seaweed.secretKey)),
            connectTimeoutMillis: 2000, requestTimeoutMillis: 30_000, maxAttempts: 4, initialBackoffMillis: 50,
            maxBackoffMillis: 500)
        let store = try S3LogStore(configuration: s3, logger: logs.logger("c8s.test.s3", level: .info))
        let storeURL = try LogStoreURL("s3://\(seaweed.bucket)/\(prefix)")

        var serverConfiguration = TestAPIServer.Configuration()
        serverConfiguration.crdDirectory = repositoryRoot + "/config/crd"
        serverConfiguration.bookmarkInterval = .milliseconds(200)
        let quiet = {
            var logger = Logger(label: "c8s.test.infrastructure")
            logger.logLevel = .critical
            return logger
        }()
        return try await withTestAPIServer(configuration: serverConfiguration) { server in
            try await withKubeClient(
                configuration: KubeClientConfiguration(server: server.baseURL.absoluteString, namespace: "default"),
                logger: quiet
            ) { client in
                try await withClusterSimulator(
                    server: server, nodes: ["node-a", "node-b"], logRoot: root + "/pods", logger: quiet
                ) { simulator in
                    let kubeconfig = root + "/kubeconfig"
                    try server.writeKubeconfig(to: kubeconfig)
                    let agents = SimulatedAgents(
                        settings: .init(
                            nodes: ["node-a", "node-b"], logRoot: root + "/pods", stateRoot: root + "/agents",
                            kubeconfig: kubeconfig, apiServer: server.baseURL.absoluteString, storeURL: storeURL,
                            s3: s3, seaweed: seaweed, processes: options.agentProcesses),
                        logs: logs)
                    let coordinatorLogger = logs.logger("c8s.coordinator")
                    let supervisor = CoordinatorSupervisor(logger: coordinatorLogger)
                    let installation = SimulatedInstallation(
                        client: client, server: server, simulator: simulator, images: images, logStore: store,
                        logStoreURL: storeURL, logs: logs, coordinator: supervisor, agents: agents,
                        seaweed: seaweed, ownsSeaweed: ownsSeaweed, scratchDirectory: root + "/scratch")
                    var settings = CoordinatorConfiguration()
                    settings.namespaces = ["default"]
                    settings.leaderElection = false
                    settings.identity = "c8s-integration"
                    settings.jobTTLSecondsAfterFinished = options.jobTTLSecondsAfterFinished
                    settings.cloneImage = images.clone
                    settings.httpHost = "127.0.0.1"
                    settings.httpPort = 0
                    if options.admission {
                        _ = try server.create([
                            "apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "c8s-system"],
                        ])
                        let manifest = try String(
                            contentsOfFile: repositoryRoot + "/deploy/admission_webhook.yaml", encoding: .utf8)
                        for document in try YAMLDocuments.load(manifest) { _ = try server.create(document) }
                        var admission = AdmissionConfiguration()
                        admission.port = 0
                        admission.namespace = "c8s-system"
                        settings.admission = admission
                    }
                    let configuration = settings
                    let (admissionPorts, admissionPort) = AsyncStream.makeStream(of: Int.self)
                    return try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { await store.run() }
                        group.addTask {
                            try await supervisor.run {
                                buildCoordinator(
                                    configuration: configuration, client: client, logger: coordinatorLogger,
                                    onAdmissionServerRunning: { port in
                                        server.resolveService(
                                            namespace: "c8s-system", name: "c8s-coordinator", host: "127.0.0.1",
                                            port: port)
                                        admissionPort.yield(port)
                                    })
                            }
                        }
                        group.addTask { try await agents.run() }
                        defer { group.cancelAll() }
                        do {
                            try await agents.waitUntilStarted()
                            if options.admission {
                                // As `kubectl rollout status`: the webhook answers before the scenario starts.
                                _ = try await withDeadline(.seconds(60), "the admission webhook to listen") {
                                    var ports = admissionPorts.makeAsyncIterator()
                                    return await ports.next()
                                }
                            }
                            return try await body(installation)
                        } catch {
                            let all = logs.text + "\n" + agents.processOutput
                            let tail = all.split(separator: "\n").suffix(60).joined(separator: "\n")
                            throw IntegrationError("\(error)\n--- the components' last log lines ---\n\(tail)")
                        }
                    }
                }
            }
        }
    }
}
