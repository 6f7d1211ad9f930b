import C8SCore

/// A repository connected to c8s (the `RepositoryConnection` resource with its secrets resolved).
///
/// `description` never shows the webhook secret or the token, so logging a connection is safe.
public struct ConnectedRepository: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var namespace: String
    public var provider: ForgeProvider
    /// The repository URL as configured (any form ``RepositoryKey`` understands).
    public var repository: String
    /// Shared secret: HMAC key (GitHub, Bitbucket, Gitea) or token (GitLab).
    public var webhookSecret: String
    /// Name of the `PipelineConfig` the repository's runs use.
    public var pipelineConfigRef: String
    /// Token for reporting commit statuses, when configured.
    public var authToken: String?
    /// Forge API base URL overriding the one derived from the repository URL.
    public var apiBaseURL: String?

    public init(
        name: String, namespace: String, provider: ForgeProvider, repository: String, webhookSecret: String,
        pipelineConfigRef: String, authToken: String? = nil, apiBaseURL: String? = nil
    ) {
        self.name = name
        self.namespace = namespace
        self.provider = provider
        self.repository = repository
        self.webhookSecret = webhookSecret
        self.pipelineConfigRef = pipelineConfigRef
        self.authToken = authToken
        self.apiBaseURL = apiBaseURL
    }

    /// The canonical key of `repository`.
    public var key: RepositoryKey? { RepositoryKey(repository) }

    public var description: String {
        let token = authToken == nil ? "none" : "<redacted>"
        return "RepositoryConnection(\(namespace)/\(name), \(provider.rawValue), \(repository), "
            + "pipelineConfig: \(pipelineConfigRef), secret: <redacted>, token: \(token))"
    }
}

/// Finds the connection for a webhook's repository.
public protocol RepositoryConnectionLookup: Sendable {
    /// The connection whose repository key equals one of `keys` (tried in order), or `nil`.
    func connection(for keys: [RepositoryKey]) async throws -> ConnectedRepository?
}

/// Finds the pipeline a connection's runs use.
public protocol PipelineConfigLookup: Sendable {
    /// The spec of `PipelineConfig` `connection.pipelineConfigRef` in `connection.namespace`, or
    /// `nil` when it does not exist.
    func pipeline(for connection: ConnectedRepository) async throws -> PipelineSpec?
}
