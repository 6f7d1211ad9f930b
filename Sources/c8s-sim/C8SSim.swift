import ArgumentParser
import C8STestSupport
import Logging
import ServiceLifecycle

/// `c8s-sim`: serves the in-memory Kubernetes API server standalone, for running c8s or kubectl against it.
@main
struct C8SSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "c8s-sim", abstract: "Serve an in-memory Kubernetes API server over plain HTTP.")

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

    @Flag(help: "Log every request (method, path, status).")
    var verbose = false

    func run() async throws {
        var logger = Logger(label: "c8s-sim")
        if verbose { logger.logLevel = .debug }
        let configuration = TestAPIServer.Configuration(
            host: host, port: port, eventHistoryLimit: eventHistory, crdDirectory: crds)
        let server = try TestAPIServer(configuration: configuration, logger: logger)
        let service = TestAPIServer.Service(server: server) { [kubeconfig, logger] server in
            if let kubeconfig {
                do {
                    try server.writeKubeconfig(to: kubeconfig)
                } catch {
                    logger.error(
                        "cannot write kubeconfig",
                        metadata: ["file.path": "\(kubeconfig)", "error.message": "\(error)"])
                }
            }
            logger.info("listening", metadata: ["url": "\(server.baseURL.absoluteString)"])
        }
        let group = ServiceGroup(
            configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
