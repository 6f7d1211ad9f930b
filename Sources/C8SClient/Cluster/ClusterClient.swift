import C8SAPI
import C8SKube
import Logging

/// The cluster side of the command line: thin calls of the Kubernetes API with the user's own kubeconfig identity
/// (so the cluster's RBAC applies), every failure turned into a `ClientError` a user can act on.
///
/// Open one with `withClusterClient(target:logger:_:)`.
public struct ClusterClient: Sendable {
    public let kube: KubeClient
    public let target: ClusterTarget

    /// The namespace every command works in.
    public var namespace: String { target.namespace }

    public init(kube: KubeClient, target: ClusterTarget) {
        self.kube = kube
        self.target = target
    }

    /// Runs `body` as `verb` of `resource`, translating API errors.
    func perform<T>(
        _ verb: String, _ resource: String, name: String? = nil, _ body: () async throws -> T
    ) async throws -> T {
        try await ClusterAction(verb, resource, name: name, namespace: namespace).perform(on: target, body)
    }
}

/// Runs `body` with a client for `target`, closing its connections afterwards.
public func withClusterClient<T>(
    target: ClusterTarget, logger: Logger? = nil, _ body: (ClusterClient) async throws -> T
) async throws -> T {
    var quiet = Logger(label: "c8s.client")
    quiet.logLevel = .critical
    let client: KubeClient
    do {
        client = try KubeClient(configuration: target.configuration, logger: logger ?? quiet)
    } catch {
        throw ClientError.configuration("cannot use the kubeconfig (\(target.identity)): \(error)")
    }
    do {
        let result = try await body(ClusterClient(kube: client, target: target))
        try? await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}
