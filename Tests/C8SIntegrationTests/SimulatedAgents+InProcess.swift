import C8SAgent
import C8SKube
import C8SLogs
import Logging
import ServiceLifecycle

extension SimulatedAgents {
    /// Runs one agent per node in this process, built by `buildAgent` as `c8s-agent` builds it, each with its own
    /// API client and S3 store, until cancelled.
    func runInProcess() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for node in settings.nodes {
                let logger = logs.logger("c8s.agent.\(node)")
                var configuration = AgentConfiguration(nodeName: node, logStoreURL: settings.storeURL)
                configuration.logRoot = settings.logRoot
                configuration.stateDirectory = settings.stateDirectory(node: node)
                configuration.namespaces = ["default"]
                configuration.httpHost = "127.0.0.1"
                configuration.httpPort = 0
                configuration.statusInterval = .milliseconds(300)
                let settings = self.settings
                group.addTask {
                    try await withKubeClient(
                        configuration: KubeClientConfiguration(server: settings.apiServer, namespace: "default"),
                        logger: logger
                    ) { client in
                        let store = try S3LogStore(configuration: settings.s3, logger: logger)
                        let agent = buildAgent(
                            configuration: configuration, client: client, store: store, logger: logger,
                            onServerRunning: { port in self.markStarted(node: node, url: "http://127.0.0.1:\(port)") })
                        // The store's spool (if any) drains in the background while the agent runs.
                        try await withThrowingTaskGroup(of: Void.self) { inner in
                            inner.addTask { await store.run() }
                            defer { inner.cancelAll() }
                            let services = ServiceGroup(
                                configuration: .init(
                                    services: agent.services.map { .init(service: $0) }, logger: logger))
                            try await services.run()
                        }
                    }
                }
            }
        }
    }
}
