import C8SAgent
import C8SKube
import C8SLogs
import Foundation
import Logging

/// `c8s-agent`: the node agent. Ships the logs of the step Pods of one node to the log store; see docs/agent.md.
/// Its flags and environment variables are `AgentConfiguration.settingKeys` (`--help` lists them).
@main
enum AgentCommand {
    static func main() async {
        let environment = ProcessInfo.processInfo.environment
        let settings: SettingsSource
        do {
            settings = try SettingsSource(
                keys: AgentConfiguration.settingKeys, arguments: Array(CommandLine.arguments.dropFirst()),
                environment: environment)
        } catch {
            exit(usage: error)
        }
        if settings.helpRequested {
            print(settings.help(usage: "c8s-agent: the c8s node agent, ships the step logs of one node."))
            return
        }
        do {
            try await run(settings)
        } catch let error as SettingError {
            exit(usage: error)
        } catch {
            FileHandle.standardError.write(Data("c8s-agent: \(error)\n".utf8))
            Foundation.exit(1)
        }
    }

    static func exit(usage error: SettingError) -> Never {
        FileHandle.standardError.write(Data("c8s-agent: \(error.message)\n".utf8))
        Foundation.exit(64)
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
