import C8SAPI
import C8SCore
import C8SKube
import Logging

/// Errors resolving a `RepositoryConnection` into what the webhook receiver needs. Messages name the
/// connection, Secret and key, never a value.
public struct TriggerLookupError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// ``RepositoryConnectionLookup`` on the Kubernetes API: lists the `RepositoryConnection`s of the
/// watched namespaces (every namespace when none is named), matches them by canonical repository key,
/// and reads the webhook secret (and the auth token, when referenced) from their Secrets.
public struct KubeRepositoryConnections: RepositoryConnectionLookup {
    public let client: KubeClient
    /// Namespaces to look in; empty means all.
    public let namespaces: [String]
    public let logger: Logger

    public init(client: KubeClient, namespaces: [String] = [], logger: Logger) {
        self.client = client
        self.namespaces = namespaces
        self.logger = logger
    }

    public func connection(for keys: [RepositoryKey]) async throws -> ConnectedRepository? {
        var resources: [C8SAPI.RepositoryConnection] = []
        if namespaces.isEmpty {
            resources = try await client.listAll(C8SAPI.RepositoryConnection.self, allNamespaces: true).items
        } else {
            for namespace in namespaces {
                resources += try await client.listAll(C8SAPI.RepositoryConnection.self, namespace: namespace).items
            }
        }
        // Deterministic choice when two connections name the same repository.
        resources.sort {
            ($0.metadata.namespace ?? "", $0.metadata.name ?? "") < (
                $1.metadata.namespace ?? "", $1.metadata.name ?? ""
            )
        }
        for key in keys {
            if let match = resources.first(where: { Self.key(of: $0.spec) == key }) {
                return try await resolve(match)
            }
        }
        return nil
    }

    /// The repository key of a connection spec. `owner/name` without a host means the provider's
    /// public host (github.com, gitlab.com, bitbucket.org).
    static func key(of spec: C8SAPI.RepositoryConnection.Spec) -> RepositoryKey? {
        repositoryURL(of: spec).flatMap(RepositoryKey.init)
    }

    static func repositoryURL(of spec: C8SAPI.RepositoryConnection.Spec) -> String? {
        let text = spec.repository.trimmingASCIIWhitespace()
        let isShortForm =
            !text.contains("://") && !text.contains("@") && !text.contains(":")
            && !(text.split(separator: "/").first?.contains(".") ?? true)
        guard isShortForm else { return text }
        switch spec.provider {
        case .github: return "https://github.com/" + text
        case .gitlab: return "https://gitlab.com/" + text
        case .bitbucket: return "https://bitbucket.org/" + text
        case .gitea: return nil
        }
    }

    /// The connection with its secrets read.
    func resolve(_ resource: C8SAPI.RepositoryConnection) async throws -> ConnectedRepository {
        let name = resource.metadata.name ?? ""
        let namespace = resource.metadata.namespace ?? client.configuration.namespace
        let repository = Self.repositoryURL(of: resource.spec) ?? resource.spec.repository
        guard
            let provider = ForgeProvider(
                connectionProvider: resource.spec.provider.rawValue, repository: repository)
        else {
            throw TriggerLookupError(
                "RepositoryConnection \(namespace)/\(name): unknown provider \(resource.spec.provider.rawValue)")
        }
        guard let webhookRef = resource.spec.webhookSecretRef else {
            throw TriggerLookupError("RepositoryConnection \(namespace)/\(name) has no spec.webhookSecretRef")
        }
        guard
            let webhookSecret = try await secretValue(
                webhookRef, defaultKey: "webhook-secret", namespace: namespace, connection: name, required: true)
        else {
            throw TriggerLookupError("RepositoryConnection \(namespace)/\(name): webhook secret missing")
        }
        var token: String?
        if let authRef = resource.spec.authSecretRef {
            token = try await secretValue(
                authRef, defaultKey: "token", namespace: namespace, connection: name, required: false)
        }
        return ConnectedRepository(
            name: name, namespace: namespace, provider: provider, repository: repository,
            webhookSecret: webhookSecret, pipelineConfigRef: resource.spec.pipelineConfigRef.name, authToken: token)
    }

    /// The value of a Secret key, trailing newlines trimmed (`kubectl create secret --from-file` keeps them).
    private func secretValue(
        _ reference: SecretKeyReference, defaultKey: String, namespace: String, connection: String, required: Bool
    ) async throws -> String? {
        let key = reference.key ?? defaultKey
        let location = "Secret \(namespace)/\(reference.name) key \(key) (RepositoryConnection \(connection))"
        guard let secret = try await client.getIfPresent(Secret.self, name: reference.name, namespace: namespace) else {
            if required { throw TriggerLookupError("\(location): the Secret does not exist") }
            logger.warning(
                "auth secret of a repository connection does not exist", metadata: ["secret.ref": "\(location)"])
            return nil
        }
        guard let bytes = secret.value(key) else {
            if required { throw TriggerLookupError("\(location): no such key") }
            logger.warning(
                "auth secret of a repository connection lacks its key", metadata: ["secret.ref": "\(location)"])
            return nil
        }
        var value = String(decoding: bytes, as: UTF8.self)
        while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
        if value.isEmpty, required { throw TriggerLookupError("\(location): the value is empty") }
        return value
    }
}

/// ``PipelineConfigLookup`` on the Kubernetes API: the spec of the connection's `PipelineConfig`.
public struct KubePipelineConfigs: PipelineConfigLookup {
    public let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    public func pipeline(for connection: ConnectedRepository) async throws -> PipelineSpec? {
        try await client.getIfPresent(
            PipelineConfig.self, name: connection.pipelineConfigRef, namespace: connection.namespace)?.spec
    }
}
