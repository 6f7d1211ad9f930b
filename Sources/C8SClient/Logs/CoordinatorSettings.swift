import Foundation

/// Where the coordinator's API is and the bearer token sent to it.
///
/// Keys: `url` (`--coordinator`, else `C8S_COORDINATOR`), `token` (`--token`, else `C8S_TOKEN`, else the kubeconfig
/// user's bearer token).
public struct CoordinatorSettings: Sendable, Hashable {
    public var url: String
    public var token: String

    public init(url: String, token: String) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.token = token
    }

    /// The message of a missing coordinator address.
    public static let noCoordinatorMessage = """
        no coordinator address: pass --coordinator URL or set C8S_COORDINATOR; for example
          kubectl -n c8s-system port-forward svc/c8s-coordinator 8080:80
          export C8S_COORDINATOR=http://localhost:8080
        """

    /// Resolves the settings from the flags, the environment and the kubeconfig identity.
    public static func resolve(
        url: String?, token: String?, target: ClusterTarget?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ClientError) -> CoordinatorSettings {
        guard let url = nonEmpty(url) ?? nonEmpty(environment["C8S_COORDINATOR"]) else {
            throw .configuration(noCoordinatorMessage)
        }
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), URL(string: url)?.host != nil else {
            throw .configuration("invalid coordinator URL \"\(url)\": use http://HOST:PORT or https://HOST")
        }
        guard let token = nonEmpty(token) ?? nonEmpty(environment["C8S_TOKEN"]) ?? target?.bearerToken() else {
            let namespace = target?.namespace ?? "default"
            throw .configuration(
                """
                no token for the coordinator: your kubeconfig user has no bearer token; pass --token or set \
                C8S_TOKEN, for example
                  export C8S_TOKEN=$(kubectl -n \(namespace) create token SERVICE-ACCOUNT)
                """)
        }
        return CoordinatorSettings(url: url, token: token)
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return text
    }
}
