import C8SKube
import C8SLogs
import Testing

@testable import C8SAgent

/// `c8s-agent`'s flags and environment, mapped by `AgentConfiguration(settings:)`.
@Suite struct AgentConfigurationTests {
    static func configuration(_ arguments: [String], _ environment: [String: String] = [:]) throws
        -> AgentConfiguration
    {
        let settings = try SettingsSource(
            keys: AgentConfiguration.settingKeys, arguments: arguments, environment: environment)
        return try AgentConfiguration(settings: settings)
    }

    /// The arguments and environment of daemonset/agent_daemonset.yaml (with agent_config.yaml's store).
    @Test func theDaemonSetsSettings() throws {
        let configuration = try Self.configuration(
            ["--in-cluster", "--log-root=/var/log/pods", "--state-dir=/var/lib/c8s-agent", "--http-port=8090"],
            ["NODE_NAME": "node-a", "POD_IP": "10.1.2.3", "C8S_LOG_STORE": "s3://c8s-logs/logs"])
        #expect(configuration.nodeName == "node-a")
        #expect(configuration.advertiseHost == "10.1.2.3")
        #expect(configuration.logStoreURL == (try LogStoreURL("s3://c8s-logs/logs")))
        #expect(configuration.logRoot == "/var/log/pods")
        #expect(configuration.stateDirectory == "/var/lib/c8s-agent")
        #expect(configuration.httpPort == 8090)
        #expect(configuration.advertisedURL(boundPort: 8090) == "http://10.1.2.3:8090")
        #expect(configuration.statusInterval == .seconds(2))
        #expect(configuration.namespaces == [])
    }

    @Test func everyVariable() throws {
        let configuration = try Self.configuration(
            [],
            [
                "NODE_NAME": "n", "C8S_LOG_STORE": "file:///logs", "C8S_LOG_ROOT": "/pods", "C8S_STATE_DIR": "/state",
                "C8S_AGENT_PORT": "0", "C8S_AGENT_ADVERTISE_URL": "http://agent.example/", "C8S_NAMESPACES": "ci,cd",
                "C8S_STATUS_INTERVAL": "0.5",
            ])
        #expect(configuration.logRoot == "/pods")
        #expect(configuration.stateDirectory == "/state")
        #expect(configuration.httpPort == 0)
        #expect(configuration.advertisedURL(boundPort: 1) == "http://agent.example")
        #expect(configuration.namespaces == ["ci", "cd"])
        #expect(configuration.statusInterval == .milliseconds(500))
    }

    @Test(
        arguments: [
            (
                [], ["C8S_LOG_STORE": "file:///l"],
                "--node-name / NODE_NAME is required: the node whose Pods this agent ships"
            ),
            (["--node-name", "n"], [:], "--log-store / C8S_LOG_STORE is required: s3://BUCKET/PREFIX or file:///PATH"),
            (
                ["--node-name", "n", "--log-store", "file://relative"], [:],
                "--log-store / C8S_LOG_STORE: log store URL 'file://relative' must name an absolute path (file:///PATH)"
            ),
            (
                ["--node-name", "n", "--log-store", "file:///l", "--http-port", "65536"], [:],
                "--http-port '65536' is not a whole number from 0 to 65535"
            ),
            (
                ["--node-name", "n", "--log-store", "file:///l"], ["C8S_STATUS_INTERVAL": "-2"],
                "C8S_STATUS_INTERVAL '-2' is not a number of seconds above 0 and at most 86400"
            ),
        ] as [([String], [String: String], String)])
    func missingAndBadValuesNameTheirFlagOrVariable(
        _ arguments: [String], _ environment: [String: String], _ message: String
    ) {
        let error = #expect(throws: SettingError.self) { try Self.configuration(arguments, environment) }
        #expect(error?.message == message)
    }
}
