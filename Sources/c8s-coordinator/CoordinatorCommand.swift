import C8SCoordinator
import C8SKube
import C8SLogs
import C8SVersion
import Foundation
import Logging
import Metrics
import Prometheus

/// `c8s-coordinator`: reconciles PipelineRuns into Jobs, reports commit statuses, and serves health endpoints,
/// `/metrics`, the webhooks and the REST API. Its flags and environment variables are
/// `CoordinatorConfiguration.settingKeys` (`--help` lists them).
@main
enum CoordinatorCommand {
    static func main() async {
        await ProcessSettings.main(
            command: "c8s-coordinator", abstract: "the c8s coordinator, runs pipelines as Kubernetes Jobs.",
            version: BuildVersion.current.description,
            keys: CoordinatorConfiguration.settingKeys, run)
    }

    static func run(_ settings: SettingsSource) async throws {
        let logger = try ProcessSettings.logger(label: "c8s.coordinator", settings: settings)
        let configuration = try CoordinatorConfiguration(
            settings: settings, hostName: ProcessInfo.processInfo.hostName)
        let clientConfiguration = try ProcessSettings.clientConfiguration(settings: settings)

        // The dashboard (docs/dashboard.md): C8S_DASHBOARD=false turns it off; C8S_PROXY_USER_HEADER and
        // C8S_PROXY_GROUPS_HEADER trust an authenticating proxy; C8S_SECURE_COOKIES=true; C8S_CSRF_SECRET.
        let environment = ProcessInfo.processInfo.environment
        var apiConfiguration = CoordinatorAPIConfiguration()
        apiConfiguration.dashboard.enabled = environment["C8S_DASHBOARD"] != "false"
        apiConfiguration.dashboard.proxyUserHeader = environment["C8S_PROXY_USER_HEADER"].flatMap {
            $0.isEmpty ? nil : $0
        }
        apiConfiguration.dashboard.proxyGroupsHeader = environment["C8S_PROXY_GROUPS_HEADER"]
            .flatMap { $0.isEmpty ? nil : $0 }
        apiConfiguration.dashboard.secureCookies = environment["C8S_SECURE_COOKIES"] == "true"
        apiConfiguration.dashboard.csrfSecret = environment["C8S_CSRF_SECRET"].flatMap {
            $0.isEmpty ? nil : Array($0.utf8)
        }

        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        try await withKubeClient(configuration: clientConfiguration, logger: logger) { client in
            let serve: @Sendable ((any LogStore)?) async throws -> Void = { [apiConfiguration] store in
                var api = apiConfiguration
                api.logStore = store
                let coordinator = buildCoordinator(
                    configuration: configuration, client: client, logger: logger, api: api, registry: registry,
                    onServerRunning: { port in
                        let webhooks = "/webhooks/{github,gitlab,bitbucket,gitea}"
                        logger.info(
                            "serving /healthz, /readyz, /metrics, /api/v1, \(webhooks) and the dashboard at /",
                            metadata: [
                                "http.port": "\(port)",
                                "log.store": "\(configuration.logStoreURL?.description ?? "none")",
                            ])
                    })
                try await coordinator.run(logger: logger)
            }
            if let storeURL = configuration.logStoreURL {
                try await storeURL.withLogStore(logger: logger) { store in try await serve(store) }
            } else {
                try await serve(nil)
            }
        }
    }
}
