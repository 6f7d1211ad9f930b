import ArgumentParser
import C8SKube
import C8STestSupport
import C8SVersion
import Foundation
import Logging
import ServiceLifecycle

/// `c8s-sim`: serves the in-memory Kubernetes API server standalone, for running c8s or kubectl against it, and
/// with `--nodes` also simulates the Job controller, the scheduler and the kubelets of those nodes.
@main
struct C8SSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "c8s-sim", abstract: "Serve an in-memory Kubernetes API server over plain HTTP.",
        version: BuildVersion.current.description)

    @Option(help: "Port to listen on (0 picks a free one).")
    var port: Int = 0

    @Option(help: "Address to bind.")
    var host: String = "127.0.0.1"

    @Option(help: "Write a kubeconfig for this server to this path once it listens.")
    var kubeconfig: String?

    @Option(help: "Directory of CRD manifests to load at start (e.g. config/crd).")
    var crds: String?

    @Option(help: "How many events to keep for watch resumption before answering 410 Gone.")
    var eventHistory: Int = 1000

    @Option(
        help: """
            Require authentication: this bearer token is user "admin" (every permission), it goes into the written \
            kubeconfig, and TokenReview/SubjectAccessReview answer for it (what the coordinator's REST API asks); \
            requests without a token are still allowed, as system:anonymous.
            """)
    var token: String?

    @Option(
        help: """
            With --token: this bearer token is user "viewer", who may get, list and watch PipelineRuns and \
            PipelineConfigs but not read logs (pipelineruns/log) nor create or change anything.
            """)
    var viewerToken: String?

    @Flag(help: "Log every request (method, path, status).")
    var verbose = false

    @Option(help: "Simulate these nodes (comma-separated names): Jobs get Pods that run as local processes.")
    var nodes: String?

    @Option(help: "Root of the simulated nodes' Pod log directories (with --nodes).")
    var logRoot: String = "/tmp/c8s-sim/pods"

    @Option(help: "Rotate a container log once it reaches this many bytes (with --nodes).")
    var logMaxSize: Int = 10 * 1024 * 1024

    @Option(help: "Log files kept per container, the live one included (with --nodes).")
    var logMaxFiles: Int = 5

    func run() async throws {
        var logger = Logger(label: "c8s-sim")
        if verbose { logger.logLevel = .debug }
        let auth = token.map { [viewerToken] token in
            var model = TestAuthModel(
                tokens: [token: TestAuthModel.User(name: "admin", uid: "admin", groups: ["system:masters"])],
                grants: [
                    TestAuthModel.Grant(.group("system:masters"), rules: [.all]),
                    TestAuthModel.Grant(.group("system:unauthenticated"), rules: [.all]),
                ],
                allowAnonymous: true)
            if let viewerToken {
                model.tokens[viewerToken] = TestAuthModel.User(name: "viewer", uid: "viewer")
                model.grants.append(
                    TestAuthModel.Grant(
                        .user("viewer"),
                        rules: [
                            .init(
                                apiGroups: ["c8s.dev"], resources: ["pipelineruns", "pipelineconfigs"],
                                verbs: ["get", "list", "watch"])
                        ]))
            }
            return model
        }
        let configuration = TestAPIServer.Configuration(
            host: host, port: port, eventHistoryLimit: eventHistory, crdDirectory: crds, auth: auth)
        let server = try TestAPIServer(configuration: configuration, logger: logger)
        let (listening, listened) = AsyncStream.makeStream(of: URL.self)
        let service = TestAPIServer.Service(server: server) { [kubeconfig, token, logger] server in
            if let kubeconfig {
                do {
                    try server.writeKubeconfig(to: kubeconfig, token: token)
                } catch {
                    logger.error(
                        "cannot write kubeconfig",
                        metadata: ["file.path": "\(kubeconfig)", "error.message": "\(error)"])
                }
            }
            logger.info("listening", metadata: ["url": "\(server.baseURL.absoluteString)"])
            listened.yield(server.baseURL)
            listened.finish()
        }
        var services: [any Service] = [service]
        if let nodes {
            let names = ProcessSettings.commaSeparated(nodes)
            let simulation = ClusterSimulator.Configuration(
                nodes: names.map { SimulatedNode(name: $0) }, logRoot: logRoot,
                logRotation: LogRotationPolicy(maxSize: logMaxSize, maxFiles: logMaxFiles))
            services.append(SimulatorService(listening: listening, configuration: simulation, logger: logger))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Starts the cluster simulator once the API server listens (its port is known only then).
struct SimulatorService: Service {
    let listening: AsyncStream<URL>
    let configuration: ClusterSimulator.Configuration
    let logger: Logger

    func run() async throws {
        var urls = listening.makeAsyncIterator()
        guard let url = await urls.next() else { return }
        let simulator = try ClusterSimulator(apiServer: url, configuration: configuration, logger: logger)
        logger.info("simulating nodes", metadata: ["nodes": "\(configuration.nodes.map(\.name))"])
        try await simulator.run()
    }
}
