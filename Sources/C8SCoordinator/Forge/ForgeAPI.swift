/// Derives a forge's API base URL from a repository URL.
public enum ForgeAPI {
    /// - github.com → `https://api.github.com`; other GitHub hosts (Enterprise Server) →
    ///   `https://host/api/v3`;
    /// - Bitbucket Cloud → `https://api.bitbucket.org`;
    /// - Bitbucket Data Center → the part of the https clone URL before `/scm/` (keeps a context path);
    /// - GitLab, Gitea/Forgejo → `scheme://host[:port]`.
    ///
    /// An `http`/`https` repository URL keeps its scheme and port; an SSH URL maps to `https://host`.
    public static func baseURL(provider: ForgeProvider, repository: String) -> String? {
        guard let url = RepositoryURL(repository) else { return nil }
        let isWeb = url.scheme == "http" || url.scheme == "https"
        let scheme = isWeb ? url.scheme! : "https"
        let authority = url.host + (isWeb ? url.port.map { ":\($0)" } ?? "" : "")
        let root = "\(scheme)://\(authority)"
        switch provider {
        case .github:
            return url.host == "github.com" || url.host == "www.github.com"
                ? "https://api.github.com" : root + "/api/v3"
        case .bitbucketCloud:
            return "https://api.bitbucket.org"
        case .bitbucketDataCenter:
            let segments = url.path.split(separator: "/")
            if isWeb, let scm = segments.firstIndex(where: { $0.lowercased() == "scm" }), scm > 0 {
                return root + "/" + segments[..<scm].joined(separator: "/")
            }
            return root
        case .gitlab, .gitea:
            return root
        }
    }

    /// The repository path (`owner/name`, GitLab `group/sub/name`) of a repository URL, without
    /// `.git`, as spelled; Bitbucket Data Center `/scm/` prefixes removed.
    public static func repositoryPath(_ repository: String) -> String? {
        guard let url = RepositoryURL(repository) else { return nil }
        let segments = url.pathWithoutGitSuffix.split(separator: "/")
        if let scm = segments.firstIndex(where: { $0.lowercased() == "scm" }) {
            return segments[(scm + 1)...].joined(separator: "/")
        }
        return segments.joined(separator: "/")
    }

}
