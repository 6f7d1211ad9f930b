import C8SAgent
import C8SKube
import C8SLogs
import C8SVersion
import Foundation
import Logging

/// `c8s-agent`: the node agent. Ships the logs of the step Pods of one node to the log store; see docs/agent.md.
/// Its flags and environment variables are `AgentConfiguration.settingKeys` (`--help` lists them).
@main
enum AgentCommand {
    static func main() async {
        await ProcessSettings.main(
            command: "c8s-agent", abstract: "the c8s node agent, ships the step logs of one node.",
            version: BuildVersion.current.description,
            keys: AgentConfiguration.settingKeys, run)
    }

    static func run(_ settings: SettingsSource) async throws {
        let logger = try ProcessSettings.logger(label: "c8s.agent", settings: settings)
        let configuration = try AgentConfiguration(settings: settings)
        let clientConfiguration = try ProcessSettings.clientConfiguration(settings: settings)
        try await withKubeClient(configuration: clientConfiguration, logger: logger) { client in
            try await configuration.logStoreURL.withLogStore(
                s3: .fromEnvironment(settings.environment), logger: logger
            ) { store in
                let agent = buildAgent(
                    configuration: configuration, client: client, store: store, logger: logger,
                    onServerRunning: { port in
                        logger.info(
                            "serving /v1/live, /healthz, /readyz and /metrics", metadata: ["http.port": "\(port)"])
                    })
                try await agent.run(logger: logger)
            }
        }
    }
}
