/// The forges c8s receives webhooks from and reports commit statuses to.
public enum ForgeProvider: String, Sendable, Hashable, Codable, CaseIterable {
    case github
    case gitlab
    /// Bitbucket Cloud (bitbucket.org).
    case bitbucketCloud = "bitbucket-cloud"
    /// Bitbucket Data Center / Server (self-hosted).
    case bitbucketDataCenter = "bitbucket-datacenter"
    /// Gitea and Forgejo (same webhook and API shapes).
    case gitea

    /// The `RepositoryConnection.spec.provider` spelling (`github`, `gitlab`, `bitbucket`, `gitea`).
    public var connectionProvider: String {
        switch self {
        case .github: "github"
        case .gitlab: "gitlab"
        case .bitbucketCloud, .bitbucketDataCenter: "bitbucket"
        case .gitea: "gitea"
        }
    }

    /// The provider of a `RepositoryConnection` from its `spec.provider` (`github`, `gitlab`,
    /// `bitbucket`, `gitea`, `forgejo`) and repository URL: `bitbucket` is Bitbucket Cloud on
    /// bitbucket.org and Bitbucket Data Center anywhere else. `nil` for an unknown provider.
    public init?(connectionProvider: String, repository: String) {
        switch connectionProvider.lowercased() {
        case "github": self = .github
        case "gitlab": self = .gitlab
        case "gitea", "forgejo": self = .gitea
        case "bitbucket-cloud": self = .bitbucketCloud
        case "bitbucket-datacenter", "bitbucket-server": self = .bitbucketDataCenter
        case "bitbucket":
            let host = RepositoryURL(repository)?.host
            self = host == "bitbucket.org" || host == "www.bitbucket.org" ? .bitbucketCloud : .bitbucketDataCenter
        default: return nil
        }
    }
}
