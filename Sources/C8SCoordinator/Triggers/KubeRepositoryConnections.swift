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

/// Resolves a `RepositoryConnection` into a ``ConnectedRepository``: its provider and repository URL, and the webhook
/// secret (and the auth token, when referenced) read from its Secrets. ``TriggerCache`` finds the connection and
/// supplies the Secrets from its cache.
public struct KubeRepositoryConnections: Sendable {
    public let client: KubeClient
    public let logger: Logger

    public init(client: KubeClient, logger: Logger) {
        self.client = client
        self.logger = logger
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

    /// Reads a Secret (nil when it does not exist).
    typealias SecretSource = @Sendable (_ name: String, _ namespace: String) async throws -> Secret?

    /// The connection with its secrets read through `secret` (a GET each, by default).
    func resolve(_ resource: C8SAPI.RepositoryConnection, secret: SecretSource? = nil) async throws
        -> ConnectedRepository
    {
        let client = self.client
        let secret =
            secret ?? { name, namespace in
                try await client.getIfPresent(Secret.self, name: name, namespace: namespace)
            }
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
                webhookRef, defaultKey: "webhook-secret", namespace: namespace, connection: name, required: true,
                secret: secret)
        else {
            throw TriggerLookupError("RepositoryConnection \(namespace)/\(name): webhook secret missing")
        }
        var token: String?
        if let authRef = resource.spec.authSecretRef {
            token = try await secretValue(
                authRef, defaultKey: "token", namespace: namespace, connection: name, required: false, secret: secret)
        }
        return ConnectedRepository(
            name: name, namespace: namespace, provider: provider, repository: repository,
            webhookSecret: webhookSecret, pipelineConfigRef: resource.spec.pipelineConfigRef.name, authToken: token)
    }

    /// The value of a Secret key, trailing newlines trimmed (`kubectl create secret --from-file` keeps them).
    private func secretValue(
        _ reference: SecretKeyReference, defaultKey: String, namespace: String, connection: String, required: Bool,
        secret read: SecretSource
    ) async throws -> String? {
        let key = reference.key ?? defaultKey
        let place = "Secret \(namespace)/\(reference.name) key \(key) (RepositoryConnection \(connection))"
        guard let secret = try await read(reference.name, namespace) else {
            if required { throw TriggerLookupError("\(place): the Secret does not exist") }
            logger.warning(
                "auth secret of a repository connection does not exist", metadata: ["secret.ref": "\(place)"])
            return nil
        }
        guard let bytes = secret.value(key) else {
            if required { throw TriggerLookupError("\(place): no such key") }
            logger.warning(
                "auth secret of a repository connection lacks its key", metadata: ["secret.ref": "\(place)"])
            return nil
        }
        var value = String(decoding: bytes, as: UTF8.self)
        while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
        if value.isEmpty, required { throw TriggerLookupError("\(place): the value is empty") }
        return value
    }
}
