import Foundation
import Logging

/// The settings every long-running c8s process (`c8s-coordinator`, `c8s-agent`) reads the same way from its flags
/// and environment. A flag, when given, wins over its environment variable.
///
/// Keys:
/// - `--kubeconfig` / `KUBECONFIG`, `--in-cluster`: where the API server is and how to authenticate
///   (``clientConfiguration(kubeconfig:inCluster:environment:serviceAccountDirectory:)``).
/// - `--log-level` / `C8S_LOG_LEVEL`: trace, debug, info, notice, warning, error (``logLevel(_:environment:)``;
///   default info).
/// - repeatable list flags with a comma-separated variable, such as `--namespace` / `C8S_NAMESPACES`
///   (``list(_:variable:environment:)``).
public enum ProcessSettings {
    /// The API client configuration of a long-running process: the in-cluster service account with `inCluster`;
    /// else the kubeconfig file `kubeconfig` names (in place of `KUBECONFIG`); else what
    /// ``KubeClientConfiguration/load(context:environment:)`` finds (`KUBECONFIG`, `~/.kube/config`, in-cluster).
    public static func clientConfiguration(
        kubeconfig: String?,
        inCluster: Bool,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = KubeClientConfiguration.serviceAccountDirectory
    ) throws -> KubeClientConfiguration {
        if inCluster {
            return try .inCluster(environment: environment, serviceAccountDirectory: serviceAccountDirectory)
        }
        var environment = environment
        if let kubeconfig {
            environment["KUBECONFIG"] = kubeconfig
        }
        return try .load(environment: environment)
    }

    /// The log level named by the flag, else by `C8S_LOG_LEVEL`; info when neither names a level.
    public static func logLevel(
        _ flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Logger.Level {
        (flag ?? environment["C8S_LOG_LEVEL"]).flatMap(Logger.Level.init(rawValue:)) ?? .info
    }

    /// The values of a repeatable flag, or when it was not given, the comma-separated list in `variable`
    /// (blanks around items and empty items dropped).
    public static func list(
        _ flag: [String], variable: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> [String] {
        flag.isEmpty ? commaSeparated(environment[variable] ?? "") : flag
    }

    /// The items of a comma-separated list, trimmed of spaces and tabs, empty items dropped.
    public static func commaSeparated(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
