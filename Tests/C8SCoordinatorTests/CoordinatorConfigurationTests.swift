import C8SKube
import C8SLogs
import Testing

@testable import C8SCoordinator

/// `c8s-coordinator`'s flags and environment, mapped by `CoordinatorConfiguration(settings:)`.
@Suite struct CoordinatorConfigurationTests {
    static func configuration(
        _ arguments: [String], _ environment: [String: String] = [:]
    ) throws -> CoordinatorConfiguration {
        let settings = try SettingsSource(
            keys: CoordinatorConfiguration.settingKeys, arguments: arguments, environment: environment)
        return try CoordinatorConfiguration(settings: settings, hostName: "host-1")
    }

    @Test func defaults() throws {
        let configuration = try Self.configuration([])
        #expect(configuration.namespaces == [])
        #expect(configuration.leaderElection)
        #expect(configuration.leaseName == "c8s-coordinator")
        #expect(configuration.leaseNamespace == nil)  // the API client's namespace
        #expect(configuration.identity == "host-1")
        #expect(configuration.jobTTLSecondsAfterFinished == 3600)
        #expect(configuration.cloneImage == "alpine/git")
        #expect(configuration.httpPort == 8080)
        #expect(configuration.workers == 4)
        #expect(configuration.logStoreURL == nil)
        #expect(configuration.externalURL == nil)
        #expect(configuration.commitStatus)
        #expect(configuration.webhooks)
        #expect(configuration.admission == nil)
    }

    @Test func admissionKeys() throws {
        let defaults = try #require(try Self.configuration(["--admission"], [:]).admission)
        #expect(defaults.port == 8443)
        #expect(defaults.namespace == nil)
        #expect(defaults.secretName == "c8s-admission-tls")
        #expect(defaults.serviceName == "c8s-coordinator")
        #expect(defaults.webhookConfigurationName == "c8s-admission")
        #expect(defaults.checkInterval == .seconds(600))
        let given = try #require(
            try Self.configuration(
                ["--admission-port=9443", "--admission-check-seconds", "30"],
                [
                    "C8S_ADMISSION": "true", "C8S_NAMESPACE": "ops", "C8S_ADMISSION_SECRET": "tls",
                    "C8S_ADMISSION_SERVICE": "svc", "C8S_ADMISSION_WEBHOOK_CONFIGURATION": "hooks",
                ]
            ).admission)
        #expect(given.port == 9443)
        #expect(given.namespace == "ops")
        #expect(given.secretName == "tls")
        #expect(given.serviceName == "svc")
        #expect(given.webhookConfigurationName == "hooks")
        #expect(given.checkInterval == .seconds(30))
        #expect(try Self.configuration(["--no-admission"], ["C8S_ADMISSION_PORT": "1"]).admission == nil)
        #expect(throws: SettingError.self) { try Self.configuration(["--admission", "--admission-port=70000"], [:]) }
    }

    /// The arguments of deploy/coordinator_deployment.yaml and its environment.
    @Test func theDeploymentsSettings() throws {
        let configuration = try Self.configuration(
            [
                "--in-cluster", "--leader-elect", "--lease-name=c8s-coordinator", "--lease-namespace=c8s-system",
                "--identity=coordinator-7d9f", "--http-port=8080", "--job-ttl-seconds=3600", "--clone-image=alpine/git",
            ],
            [
                "C8S_LOG_STORE": "s3://c8s-logs/logs", "C8S_S3_ENDPOINT": "",
                "C8S_EXTERNAL_URL": "https://c8s.example.com",
                "POD_NAME": "ignored-when-the-flag-is-given",
            ])
        #expect(configuration.leaseNamespace == "c8s-system")
        #expect(configuration.identity == "coordinator-7d9f")
        #expect(configuration.logStoreURL == (try LogStoreURL("s3://c8s-logs/logs")))
        #expect(configuration.externalURL == "https://c8s.example.com")
    }

    @Test func everyVariable() throws {
        let configuration = try Self.configuration(
            [],
            [
                "C8S_NAMESPACES": "a, b", "C8S_LEADER_ELECT": "false", "C8S_LEASE_NAME": "lease",
                "C8S_LEASE_NAMESPACE": "lease-ns", "POD_NAME": "pod-1", "C8S_JOB_TTL_SECONDS": "0",
                "C8S_CLONE_IMAGE": "git:2", "C8S_HTTP_PORT": "0", "C8S_WORKERS": "9", "C8S_COMMIT_STATUS": "false",
                "C8S_LOG_STORE": "file:///var/logs/",
            ])
        #expect(configuration.namespaces == ["a", "b"])
        #expect(!configuration.leaderElection)
        #expect(configuration.leaseName == "lease")
        #expect(configuration.leaseNamespace == "lease-ns")
        #expect(configuration.identity == "pod-1")
        #expect(configuration.jobTTLSecondsAfterFinished == nil)
        #expect(configuration.cloneImage == "git:2")
        #expect(configuration.httpPort == 0)
        #expect(configuration.workers == 9)
        #expect(!configuration.commitStatus)
        #expect(configuration.logStoreURL == (try LogStoreURL("file:///var/logs")))
    }

    @Test(
        arguments: [
            (["--workers", "0"], [:], "--workers '0' is not a whole number from 1 to 1024"),
            ([], ["C8S_JOB_TTL_SECONDS": "-1"], "C8S_JOB_TTL_SECONDS '-1' is not a whole number from 0 to 2147483647"),
            ([], ["C8S_HTTP_PORT": "eighty"], "C8S_HTTP_PORT 'eighty' is not a whole number from 0 to 65535"),
            ([], ["C8S_COMMIT_STATUS": "sometimes"], "C8S_COMMIT_STATUS 'sometimes' is neither true nor false"),
            (
                ["--log-store", "http://x"], [:],
                "--log-store / C8S_LOG_STORE: log store URL 'http://x' must start with s3:// or file://"
            ),
        ] as [([String], [String: String], String)])
    func badValuesNameTheirFlagOrVariable(_ arguments: [String], _ environment: [String: String], _ message: String) {
        let error = #expect(throws: SettingError.self) { try Self.configuration(arguments, environment) }
        #expect(error?.message == message)
    }

    @Test func everyKeyIsInTheHelp() throws {
        let settings = SettingsSource(keys: CoordinatorConfiguration.settingKeys, environment: [:])
        let help = settings.help(usage: "c8s-coordinator")
        for key in CoordinatorConfiguration.settingKeys {
            if let flag = key.flag { #expect(help.contains(flag)) }
            if let variable = key.variable { #expect(help.contains(variable)) }
        }
        #expect(help.contains("default 8080"))
    }
}
