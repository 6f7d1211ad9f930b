import Foundation

/// What `make e2e` tells the suite about the cluster (environment variables; `scripts/e2e.sh` sets the first and
/// passes the others through):
///
/// - `C8S_E2E_KUBECONFIG`: the kubeconfig file(s) of the cluster (a `:`-separated list, like `KUBECONFIG`); set,
///   it switches every scenario to ``ClusterInstallation``. `C8S_E2E_CONTEXT` picks a context other than the
///   current one.
/// - `C8S_E2E_LOG_STORE`: the `s3://BUCKET/PREFIX` the agents were installed with (required); the S3 endpoint,
///   region and credentials to read it come from `C8S_S3_ENDPOINT`, `C8S_S3_REGION`,
///   `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (``S3Settings/fromEnvironment(_:)``).
/// - `C8S_E2E_SYSTEM_NAMESPACE`: where the coordinator and the agents run (default `c8s-system`).
/// - `C8S_E2E_COORDINATOR_SELECTOR`, `C8S_E2E_AGENT_SELECTOR`: label selectors of their Pods (defaults
///   `app.kubernetes.io/name=c8s,app.kubernetes.io/component=coordinator` and `…=agent`).
struct ClusterSettings: Sendable, Hashable {
    var kubeconfig: String
    var context: String?
    var logStore: String
    var systemNamespace = "c8s-system"
    var coordinatorSelector = "app.kubernetes.io/name=c8s,app.kubernetes.io/component=coordinator"
    var agentSelector = "app.kubernetes.io/name=c8s,app.kubernetes.io/component=agent"

    /// nil when `C8S_E2E_KUBECONFIG` is unset or empty (the simulated installation is used then).
    static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ClusterSettings? {
        guard let kubeconfig = environment["C8S_E2E_KUBECONFIG"], !kubeconfig.isEmpty else { return nil }
        guard let logStore = environment["C8S_E2E_LOG_STORE"], !logStore.isEmpty else {
            throw IntegrationError(
                "C8S_E2E_KUBECONFIG is set but C8S_E2E_LOG_STORE is not: name the s3://BUCKET/PREFIX the agents "
                    + "store logs in (docs/install.md, 'make e2e')")
        }
        var settings = ClusterSettings(
            kubeconfig: kubeconfig, context: environment["C8S_E2E_CONTEXT"].flatMap { $0.isEmpty ? nil : $0 },
            logStore: logStore)
        if let value = environment["C8S_E2E_SYSTEM_NAMESPACE"], !value.isEmpty { settings.systemNamespace = value }
        if let value = environment["C8S_E2E_COORDINATOR_SELECTOR"], !value.isEmpty {
            settings.coordinatorSelector = value
        }
        if let value = environment["C8S_E2E_AGENT_SELECTOR"], !value.isEmpty { settings.agentSelector = value }
        return settings
    }
}
