import ArgumentParser
import C8SVersion
import C8SCoordinator
import C8SKube
import C8SLogs
import Foundation
import Logging
import Metrics
import Prometheus

/// `c8s-coordinator`: reconciles PipelineRuns into Jobs, reports commit statuses, and serves health endpoints,
/// `/metrics`, the webhooks and the REST API. Every flag can also be set through the environment variable named in
/// its help.
@main
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "c8s-coordinator", abstract: "The c8s coordinator: runs pipelines as Kubernetes Jobs.",
        version: BuildVersion.current.description)

    @Option(help: "Kubeconfig file (env KUBECONFIG); without one, the in-cluster service account is used.")
    var kubeconfig: String?

    @Flag(help: "Use the in-cluster service account even when a kubeconfig exists.")
    var inCluster = false

    @Option(name: .customLong("namespace"), help: "Namespace to watch; repeatable (env C8S_NAMESPACES, comma-separated). Default: all.")
    var namespaces: [String] = []

    @Flag(inversion: .prefixedNo, help: "Take part in leader election (env C8S_LEADER_ELECT; default on).")
    var leaderElect: Bool?

    @Option(help: "Leader-election Lease name (env C8S_LEASE_NAME).")
    var leaseName: String?

    @Option(help: "Leader-election Lease namespace (env C8S_LEASE_NAMESPACE; default: the client's namespace).")
    var leaseNamespace: String?

    @Option(help: "Leader-election identity (env POD_NAME, else the host name).")
    var identity: String?

    @Option(help: "ttlSecondsAfterFinished of step Jobs (env C8S_JOB_TTL_SECONDS; default 3600, 0 disables).")
    var jobTTLSeconds: Int32?

    @Option(help: "Image of the clone init container (env C8S_CLONE_IMAGE; default alpine/git).")
    var cloneImage: String?

    @Option(help: "HTTP port for /healthz, /readyz, /metrics, /webhooks and /api/v1 (env C8S_HTTP_PORT; default 8080).")
    var httpPort: Int?

    @Option(help: "Where step logs are stored: s3://BUCKET/PREFIX or file:///PATH (env C8S_LOG_STORE); S3 settings from C8S_S3_ENDPOINT, C8S_S3_REGION, AWS credentials. Without it the log endpoint answers 503.")
    var logStore: String?

    @Option(help: "External base URL of the coordinator or dashboard; commit statuses link to <url>/runs/<namespace>/<run> (env C8S_EXTERNAL_URL).")
    var externalURL: String?

    @Flag(inversion: .prefixedNo, help: "Report run start and end to the forge as commit statuses (env C8S_COMMIT_STATUS; default on).")
    var commitStatus: Bool?

    @Option(help: "Runs reconciled at once (env C8S_WORKERS; default 4).")
    var workers: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error (env C8S_LOG_LEVEL).")
    var logLevel: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var logger = Logger(label: "c8s.coordinator")
        logger.logLevel = ProcessSettings.logLevel(logLevel, environment: environment)

        let clientConfiguration = try ProcessSettings.clientConfiguration(
            kubeconfig: kubeconfig, inCluster: inCluster, environment: environment)

        var configuration = CoordinatorConfiguration()
        configuration.namespaces = ProcessSettings.list(
            namespaces, variable: "C8S_NAMESPACES", environment: environment)
        configuration.leaderElection = leaderElect ?? environment["C8S_LEADER_ELECT"].map { $0 != "false" } ?? true
        configuration.leaseName = leaseName ?? environment["C8S_LEASE_NAME"] ?? configuration.leaseName
        configuration.leaseNamespace = leaseNamespace ?? environment["C8S_LEASE_NAMESPACE"]
            ?? clientConfiguration.namespace
        configuration.identity = identity ?? environment["POD_NAME"] ?? ProcessInfo.processInfo.hostName
        let ttl = jobTTLSeconds ?? environment["C8S_JOB_TTL_SECONDS"].flatMap { Int32($0) } ?? 3600
        configuration.jobTTLSecondsAfterFinished = ttl > 0 ? ttl : nil
        configuration.cloneImage = cloneImage ?? environment["C8S_CLONE_IMAGE"] ?? configuration.cloneImage
        configuration.httpPort = httpPort ?? environment["C8S_HTTP_PORT"].flatMap { Int($0) } ?? configuration.httpPort
        configuration.workers = workers ?? environment["C8S_WORKERS"].flatMap { Int($0) } ?? configuration.workers
        guard configuration.workers > 0 else { throw ValidationError("--workers must be at least 1") }
        configuration.externalURL = (externalURL ?? environment["C8S_EXTERNAL_URL"]).flatMap { $0.isEmpty ? nil : $0 }
        configuration.commitStatus = commitStatus ?? environment["C8S_COMMIT_STATUS"].map { $0 != "false" } ?? true
        let storeURL: LogStoreURL?
        do {
            storeURL = try (logStore ?? environment["C8S_LOG_STORE"]).flatMap { $0.isEmpty ? nil : $0 }
                .map { try LogStoreURL($0) }
        } catch let error as LogStoreError {
            throw ValidationError("--log-store: \(error.message)")
        }

        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        try await withKubeClient(configuration: clientConfiguration, logger: logger) { client in
            let serve: @Sendable ((any LogStore)?) async throws -> Void = { [configuration, logger] store in
                let coordinator = buildCoordinator(
                    configuration: configuration, client: client, logger: logger,
                    api: CoordinatorAPIConfiguration(logStore: store), registry: registry,
                    routes: { router in
                        WebhookRoutes.kubernetes(client: client, namespaces: configuration.namespaces, logger: logger)
                            .register(on: router)
                    },
                    onServerRunning: { [logger] port in
                        logger.info(
                            "serving /healthz, /readyz, /metrics, /api/v1 and /webhooks/{github,gitlab,bitbucket,gitea}",
                            metadata: ["http.port": "\(port)", "log.store": "\(storeURL?.description ?? "none")"])
                    })
                try await coordinator.run(logger: logger)
            }
            if let storeURL {
                try await storeURL.withLogStore(logger: logger) { store in try await serve(store) }
            } else {
                try await serve(nil)
            }
        }
    }
}
