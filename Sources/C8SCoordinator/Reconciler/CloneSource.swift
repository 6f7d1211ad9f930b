import C8SAPI

/// Where the init container of a step Job clones the repository from.
public struct CloneSource: Sendable, Hashable {
    /// How the clone authenticates.
    public enum Credentials: Sendable, Hashable {
        /// An HTTPS token read from a Secret key; `username` is what the forge expects next to a token
        /// (`x-access-token` for GitHub, `oauth2` for GitLab, `x-token-auth` for Bitbucket).
        case token(secretName: String, key: String, username: String)
        /// An SSH private key read from a Secret key, mounted as a file.
        case sshKey(secretName: String, key: String)
    }

    public var repository: String
    public var commit: String?
    public var branch: String?
    public var credentials: Credentials?

    public init(repository: String, commit: String? = nil, branch: String? = nil, credentials: Credentials? = nil) {
        self.repository = repository
        self.commit = commit
        self.branch = branch
        self.credentials = credentials
    }

    /// Whether the repository URL is an SSH one (`git@host:owner/repo`, `ssh://…`).
    public static func isSSH(_ repository: String) -> Bool {
        repository.hasPrefix("ssh://") || (!repository.contains("://") && repository.contains("@"))
    }

    /// The credentials a RepositoryConnection's `authSecretRef` gives for `repository`.
    public static func credentials(
        for connection: C8SAPI.RepositoryConnection, repository: String
    ) -> Credentials? {
        guard let reference = connection.spec.authSecretRef else { return nil }
        if isSSH(repository) {
            return .sshKey(secretName: reference.name, key: reference.key ?? "ssh-privatekey")
        }
        let username: String
        switch connection.spec.provider {
        case .github, .gitea: username = "x-access-token"
        case .gitlab: username = "oauth2"
        case .bitbucket: username = "x-token-auth"
        }
        return .token(secretName: reference.name, key: reference.key ?? "token", username: username)
    }
}
