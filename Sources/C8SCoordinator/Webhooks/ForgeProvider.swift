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
}
