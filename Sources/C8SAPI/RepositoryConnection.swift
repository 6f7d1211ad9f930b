import C8SKube

/// A repository on a forge connected to a PipelineConfig: webhooks from it trigger runs.
public struct RepositoryConnection: KubeResource, Hashable {
    public static let apiVersion = C8SGroup.apiVersion
    public static let kind = "RepositoryConnection"
    public static let plural = "repositoryconnections"
    public static let namespaced = true

    /// The forge hosting the repository.
    public enum Provider: String, Codable, Sendable, Hashable, CaseIterable {
        case github, gitlab, bitbucket, gitea
    }

    public struct Spec: Codable, Sendable, Hashable {
        /// The repository URL or `owner/name` on the forge.
        public var repository: String
        public var provider: Provider
        /// The Secret key holding the webhook signing secret.
        public var webhookSecretRef: SecretKeyReference?
        /// The Secret key holding the forge API token (status reporting, webhook registration).
        public var authSecretRef: SecretKeyReference?
        public var pipelineConfigRef: LocalObjectReference

        public init(
            repository: String, provider: Provider, webhookSecretRef: SecretKeyReference? = nil,
            authSecretRef: SecretKeyReference? = nil, pipelineConfigRef: LocalObjectReference
        ) {
            self.repository = repository
            self.provider = provider
            self.webhookSecretRef = webhookSecretRef
            self.authSecretRef = authSecretRef
            self.pipelineConfigRef = pipelineConfigRef
        }
    }

    /// The last webhook delivery accepted.
    public struct LastEvent: Codable, Sendable, Hashable {
        public var type: String?
        public var deliveryID: String?
        public var commit: String?
        public var branch: String?
        public var receivedAt: KubeTime?
        /// The PipelineRun it created.
        public var run: String?

        public init(
            type: String? = nil, deliveryID: String? = nil, commit: String? = nil, branch: String? = nil,
            receivedAt: KubeTime? = nil, run: String? = nil
        ) {
            self.type = type
            self.deliveryID = deliveryID
            self.commit = commit
            self.branch = branch
            self.receivedAt = receivedAt
            self.run = run
        }
    }

    public struct Status: Codable, Sendable, Hashable {
        /// The URL the forge should deliver webhooks to.
        public var webhookURL: String?
        public var webhookRegistered: Bool?
        public var observedGeneration: Int64?
        public var lastEvent: LastEvent?

        public init(webhookURL: String? = nil, webhookRegistered: Bool? = nil, lastEvent: LastEvent? = nil) {
            self.webhookURL = webhookURL
            self.webhookRegistered = webhookRegistered
            self.lastEvent = lastEvent
        }
    }

    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?
    public var unknownFields = UnknownFields()

    public init(metadata: ObjectMeta, spec: Spec, status: Status? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}
