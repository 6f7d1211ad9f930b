import C8SKube
import Foundation

/// Which cluster, identity and namespace a cluster command uses, as kubectl chooses them.
///
/// Keys:
/// - `kubeconfig`: the `--kubeconfig` file (nil: the files of `KUBECONFIG`, else `~/.kube/config`, else the
///   in-cluster service account when running in a Pod).
/// - `context`: the `--context` (nil: the kubeconfig's `current-context`).
/// - `namespace`: the `-n/--namespace` (nil: the context's namespace, else `default`).
/// - `environment`: the process environment (`KUBECONFIG`, `HOME`, `USER`, `KUBERNETES_SERVICE_HOST`).
public struct ClusterSettings: Sendable {
    public var kubeconfig: String?
    public var context: String?
    public var namespace: String?
    public var environment: [String: String]

    public init(
        kubeconfig: String? = nil, context: String? = nil, namespace: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.kubeconfig = kubeconfig.flatMap { $0.isEmpty ? nil : $0 }
        self.context = context.flatMap { $0.isEmpty ? nil : $0 }
        self.namespace = namespace.flatMap { $0.isEmpty ? nil : $0 }
        self.environment = environment
    }

    /// The message of a machine without any kubeconfig.
    public static let noKubeconfigMessage =
        "no kubeconfig: set KUBECONFIG or pass --kubeconfig (or use --local to run on this machine)"

    /// Reads the kubeconfig and picks the context, user and namespace.
    public func resolve() throws(ClientError) -> ClusterTarget {
        let paths: [String]
        if let kubeconfig {
            guard FileManager.default.isReadableFile(atPath: kubeconfig) else {
                throw .configuration("cannot read the kubeconfig \(kubeconfig) (from --kubeconfig)")
            }
            paths = [kubeconfig]
        } else if let list = environment["KUBECONFIG"], !list.isEmpty {
            paths = list.split(separator: ":").map(String.init).filter { FileManager.default.fileExists(atPath: $0) }
            guard !paths.isEmpty else {
                throw .configuration(
                    "no kubeconfig: none of the files in KUBECONFIG (\(list)) exists; "
                        + "set KUBECONFIG or pass --kubeconfig (or use --local to run on this machine)")
            }
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            let path = home + "/.kube/config"
            if FileManager.default.fileExists(atPath: path) {
                paths = [path]
            } else if environment["KUBERNETES_SERVICE_HOST"].map({ !$0.isEmpty }) ?? false {
                return try inCluster()
            } else {
                throw .configuration(Self.noKubeconfigMessage)
            }
        }
        let config: KubeConfig
        do {
            config = try KubeConfig.load(paths: paths)
        } catch {
            throw .configuration("invalid kubeconfig: \(error)")
        }
        return try target(config, source: paths.joined(separator: ":"))
    }

    /// The target of an already-read kubeconfig.
    public func target(_ config: KubeConfig, source: String) throws(ClientError) -> ClusterTarget {
        let contextName = context ?? config.currentContext
        guard let contextName else {
            throw .configuration(
                "the kubeconfig \(source) has no current-context: pass --context "
                    + "(contexts: \(config.contexts.keys.sorted().joined(separator: ", ")))")
        }
        var configuration: KubeClientConfiguration
        do {
            configuration = try config.clientConfiguration(context: contextName)
        } catch {
            throw .configuration("kubeconfig \(source): \(error)")
        }
        if let namespace { configuration.namespace = namespace }
        let user = config.contexts[contextName]?.user
        return ClusterTarget(
            configuration: configuration, contextName: contextName,
            userName: user.flatMap { $0.isEmpty ? nil : $0 }, localUser: environment["USER"])
    }

    private func inCluster() throws(ClientError) -> ClusterTarget {
        do {
            var configuration = try KubeClientConfiguration.inCluster(environment: environment)
            if let namespace { configuration.namespace = namespace }
            return ClusterTarget(
                configuration: configuration, contextName: nil, userName: nil, localUser: environment["USER"])
        } catch {
            throw .configuration("\(error); " + Self.noKubeconfigMessage)
        }
    }
}

/// The cluster a command talks to: the client configuration (server, credentials, namespace) and who the user is.
public struct ClusterTarget: Sendable {
    public var configuration: KubeClientConfiguration
    /// The kubeconfig context (nil in a Pod).
    public var contextName: String?
    /// The kubeconfig user entry of the context.
    public var userName: String?
    /// `$USER` on this machine.
    public var localUser: String?

    public init(
        configuration: KubeClientConfiguration, contextName: String? = nil, userName: String? = nil,
        localUser: String? = nil
    ) {
        self.configuration = configuration
        self.contextName = contextName
        self.userName = userName
        self.localUser = localUser
    }

    /// The namespace commands use.
    public var namespace: String { configuration.namespace }

    /// The API server URL.
    public var server: String { configuration.server }

    /// Who started a run from this machine: the kubeconfig user, else `$USER`.
    public var triggeredBy: String { userName ?? localUser.flatMap { $0.isEmpty ? nil : $0 } ?? "c8s-cli" }

    /// `user "bob", context "ci"`, for messages.
    public var identity: String {
        var parts: [String] = []
        if let userName { parts.append("user \"\(userName)\"") }
        if let contextName { parts.append("context \"\(contextName)\"") }
        return parts.isEmpty ? "the in-cluster service account" : parts.joined(separator: ", ")
    }

    /// The bearer token of the kubeconfig user (a token, or the contents of its token file), if any.
    public func bearerToken() -> String? {
        switch configuration.credentials {
        case .token(let token): return token
        case .tokenFile(let path):
            return FileManager.default.contents(atPath: path)
                .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
                .flatMap { $0.isEmpty ? nil : $0 }
        case .none, .basic: return nil
        }
    }
}
