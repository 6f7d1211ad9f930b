/// One commit status to send: which commit, which state, and the link to the run.
public struct CommitStatus: Sendable, Hashable {
    /// The commit SHA.
    public var commitSHA: String
    /// The branch (GitLab's `ref`), when known.
    public var ref: String?
    public var phase: CommitStatusPhase
    /// Link to the run in the c8s dashboard.
    public var targetURL: String?
    /// Short text shown by the forge; defaults to one per phase, cut to 140 characters.
    public var description: String?
    /// The pipeline config name; the status context is `c8s/<pipelineName>`.
    public var pipelineName: String

    public init(
        commitSHA: String, ref: String? = nil, phase: CommitStatusPhase, targetURL: String? = nil,
        description: String? = nil,
        pipelineName: String
    ) {
        self.commitSHA = commitSHA
        self.ref = ref
        self.phase = phase
        self.targetURL = targetURL
        self.description = description
        self.pipelineName = pipelineName
    }

    /// `c8s/<pipelineName>`: the status context (GitHub, Gitea), name (GitLab) or key (Bitbucket).
    public var context: String { "c8s/\(pipelineName)" }

    var effectiveDescription: String {
        String((description ?? ForgeStatusState.description(for: phase)).prefix(140))
    }
}

/// Where and how to report: the forge, the repository and the credentials.
public struct StatusTarget: Sendable, Hashable, CustomStringConvertible {
    public var provider: ForgeProvider
    /// The repository URL (https or ssh; the owner/name path is taken from it).
    public var repository: String
    /// Overrides the API base URL derived from `repository`.
    public var apiBaseURL: String?
    public var token: String

    public init(provider: ForgeProvider, repository: String, apiBaseURL: String? = nil, token: String) {
        self.provider = provider
        self.repository = repository
        self.apiBaseURL = apiBaseURL
        self.token = token
    }

    /// The target of `connection`, or `nil` when it has no token.
    public init?(connection: ConnectedRepository) {
        guard let token = connection.authToken, !token.isEmpty else { return nil }
        self.init(
            provider: connection.provider, repository: connection.repository, apiBaseURL: connection.apiBaseURL,
            token: token)
    }

    public var description: String {
        "StatusTarget(\(provider.rawValue), \(repository), api: \(apiBaseURL ?? "derived"), token: <redacted>)"
    }
}
