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
///
/// ``keys`` are these keys as ``SettingKey``s, the first rows of every process's key table; the executables read them
/// from a ``SettingsSource`` with ``clientConfiguration(settings:serviceAccountDirectory:)`` and
/// ``logLevel(settings:)``.
public enum ProcessSettings {
    /// `--kubeconfig PATH` / `KUBECONFIG`.
    public static let kubeconfig = SettingKey.value(
        "kubeconfig", "KUBECONFIG", name: "PATH",
        help: "Kubeconfig file; without one, the in-cluster service account is used.")
    /// `--in-cluster`.
    public static let inCluster = SettingKey.presence(
        "in-cluster", help: "Use the in-cluster service account even when a kubeconfig exists.")
    /// `--log-level LEVEL` / `C8S_LOG_LEVEL`.
    public static let logLevelKey = SettingKey.value(
        "log-level", "C8S_LOG_LEVEL", name: "LEVEL",
        help: "Log level: trace, debug, info, notice, warning, error (default info).")

    /// The keys every long-running process has, in help order.
    public static let keys = [kubeconfig, inCluster, logLevelKey]

    /// ``clientConfiguration(kubeconfig:inCluster:environment:serviceAccountDirectory:)`` from `settings`.
    public static func clientConfiguration(
        settings: SettingsSource,
        serviceAccountDirectory: String = KubeClientConfiguration.serviceAccountDirectory
    ) throws -> KubeClientConfiguration {
        try clientConfiguration(
            kubeconfig: settings.flags[kubeconfig.flag!]?.last, inCluster: settings.toggle(inCluster) ?? false,
            environment: settings.environment, serviceAccountDirectory: serviceAccountDirectory)
    }

    /// A logger labelled `label` at the level of ``logLevel(settings:)``.
    public static func logger(label: String, settings: SettingsSource) throws(SettingError) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = try logLevel(settings: settings)
        return logger
    }

    /// The log level `--log-level` / `C8S_LOG_LEVEL` names; info when neither is given.
    /// - Throws: ``SettingError`` for a name that is no level.
    public static func logLevel(settings: SettingsSource) throws(SettingError) -> Logger.Level {
        guard let name = try settings.string(logLevelKey) else { return .info }
        guard let level = Logger.Level(rawValue: name) else {
            throw SettingError(
                "\(logLevelKey.displayName) '\(SettingsSource.excerpt(name))' is no log level: trace, debug, info, "
                    + "notice, warning, error")
        }
        return level
    }

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

    /// The items of a comma-separated list, trimmed of spaces and tabs, empty items dropped.
    public static func commaSeparated(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
