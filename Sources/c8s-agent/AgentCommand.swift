import ArgumentParser
import C8SVersion
import C8SAgent
import C8SKube
import C8SLogs
import Foundation
import Logging

/// `c8s-agent`: the node agent. Ships the logs of the step Pods of one node to the log store; see docs/agent.md.
/// Every flag can also be set through the environment variable named in its help.
@main
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "c8s-agent", abstract: "The c8s node agent: ships the step logs of one node.",
        version: BuildVersion.current.description)

    @Option(help: "Kubeconfig file (env KUBECONFIG); without one, the in-cluster service account is used.")
    var kubeconfig: String?

    @Flag(help: "Use the in-cluster service account even when a kubeconfig exists.")
    var inCluster = false

    @Option(help: "The node whose step Pods are shipped (env NODE_NAME).")
    var nodeName: String?

    @Option(help: "Where the container runtime writes Pod logs (env C8S_LOG_ROOT; default /var/log/pods).")
    var logRoot: String?

    @Option(
        name: .customLong("state-dir"), help: "Checkpoint directory (env C8S_STATE_DIR; default /var/lib/c8s-agent).")
    var stateDirectory: String?

    @Option(
        help: """
            Log store URL, s3://BUCKET/PREFIX or file:///PATH (env C8S_LOG_STORE). S3 settings come from \
            C8S_S3_ENDPOINT, C8S_S3_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or C8S_S3_CREDENTIALS_DIR, \
            C8S_S3_SPOOL_DIR.
            """)
    var logStore: String?

    @Option(
        help: "HTTP port of /v1/live, /healthz, /readyz and /metrics (env C8S_AGENT_PORT; default 8090, 0 picks one).")
    var httpPort: Int?

    @Option(
        help: """
            Base URL written into the Pods' c8s.dev/agent-url annotation (env C8S_AGENT_ADVERTISE_URL; default \
            http://$POD_IP:<port>).
            """)
    var advertiseURL: String?

    @Option(
        name: .customLong("namespace"),
        help: "Namespace whose Pods are shipped; repeatable (env C8S_NAMESPACES, comma-separated). Default: all.")
    var namespaces: [String] = []

    @Option(help: "Seconds between log progress writes into run status (env C8S_STATUS_INTERVAL; default 2).")
    var statusInterval: Double?

    @Option(help: "Log level: trace, debug, info, notice, warning, error (env C8S_LOG_LEVEL).")
    var logLevel: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var logger = Logger(label: "c8s.agent")
        logger.logLevel = ProcessSettings.logLevel(logLevel, environment: environment)

        guard let node = nodeName ?? environment["NODE_NAME"], !node.isEmpty else {
            throw ValidationError("--node-name (or NODE_NAME) is required: the node whose Pods this agent ships")
        }
        guard let storeText = logStore ?? environment["C8S_LOG_STORE"], !storeText.isEmpty else {
            throw ValidationError("--log-store (or C8S_LOG_STORE) is required: s3://BUCKET/PREFIX or file:///PATH")
        }
        let storeURL: LogStoreURL
        do {
            storeURL = try LogStoreURL(storeText)
        } catch {
            throw ValidationError("--log-store: \(error)")
        }

        var configuration = AgentConfiguration(nodeName: node, logStoreURL: storeURL)
        configuration.logRoot = logRoot ?? environment["C8S_LOG_ROOT"] ?? configuration.logRoot
        configuration.stateDirectory = stateDirectory ?? environment["C8S_STATE_DIR"] ?? configuration.stateDirectory
        let portText = environment["C8S_AGENT_PORT"]
        configuration.httpPort = httpPort ?? portText.flatMap { Int($0) } ?? configuration.httpPort
        guard (0...65535).contains(configuration.httpPort) else {
            throw ValidationError("--http-port \(configuration.httpPort) is not a port (0-65535)")
        }
        configuration.namespaces = ProcessSettings.list(
            namespaces, variable: "C8S_NAMESPACES", environment: environment)
        if let seconds = statusInterval ?? environment["C8S_STATUS_INTERVAL"].flatMap(Double.init) {
            guard seconds > 0 else { throw ValidationError("--status-interval must be more than 0 seconds") }
            configuration.statusInterval = .milliseconds(Int64(seconds * 1000))
        }
        let advertise = advertiseURL ?? environment["C8S_AGENT_ADVERTISE_URL"]
        configuration.advertiseURL = advertise.flatMap { $0.isEmpty ? nil : $0 }
        configuration.advertiseHost = environment["POD_IP"].flatMap { $0.isEmpty ? nil : $0 }

        let clientConfiguration = try ProcessSettings.clientConfiguration(
            kubeconfig: kubeconfig, inCluster: inCluster, environment: environment)

        let agentConfiguration = configuration
        let agentLogger = logger
        try await withKubeClient(configuration: clientConfiguration, logger: logger) { client in
            try await storeURL.withLogStore(s3: .fromEnvironment(environment), logger: agentLogger) { store in
                let logger = agentLogger
                let agent = buildAgent(
                    configuration: agentConfiguration, client: client, store: store, logger: logger,
                    onServerRunning: { port in
                        logger.info(
                            "serving /v1/live, /healthz, /readyz and /metrics", metadata: ["http.port": "\(port)"])
                    })
                try await agent.run(logger: logger)
            }
        }
    }
}
