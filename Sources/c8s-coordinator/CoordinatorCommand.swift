import C8SCoordinator
import C8SKube
import C8SLogs
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
        let environment = ProcessInfo.processInfo.environment
        let settings: SettingsSource
        do {
            settings = try SettingsSource(
                keys: CoordinatorConfiguration.settingKeys, arguments: Array(CommandLine.arguments.dropFirst()),
                environment: environment)
        } catch {
            exit(usage: error)
        }
        if settings.helpRequested {
            print(settings.help(usage: "c8s-coordinator: the c8s coordinator, runs pipelines as Kubernetes Jobs."))
            return
        }
        do {
            try await run(settings)
        } catch let error as SettingError {
            exit(usage: error)
        } catch {
            FileHandle.standardError.write(Data("c8s-coordinator: \(error)\n".utf8))
            Foundation.exit(1)
        }
    }

    static func exit(usage error: SettingError) -> Never {
        FileHandle.standardError.write(Data("c8s-coordinator: \(error.message)\n".utf8))
        Foundation.exit(64)
    }

    static func run(_ settings: SettingsSource) async throws {
        let logger = try ProcessSettings.logger(label: "c8s.coordinator", settings: settings)
        let clientConfiguration = try ProcessSettings.clientConfiguration(settings: settings)
        let configuration = try CoordinatorConfiguration(
            settings: settings, clientNamespace: clientConfiguration.namespace,
            hostName: ProcessInfo.processInfo.hostName)

        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        try await withKubeClient(configuration: clientConfiguration, logger: logger) { client in
            let serve: @Sendable ((any LogStore)?) async throws -> Void = { store in
                let coordinator = buildCoordinator(
                    configuration: configuration, client: client, logger: logger,
                    api: CoordinatorAPIConfiguration(logStore: store), registry: registry,
                    onServerRunning: { port in
                        let webhooks = "/webhooks/{github,gitlab,bitbucket,gitea}"
                        logger.info(
                            "serving /healthz, /readyz, /metrics, /api/v1 and \(webhooks)",
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
