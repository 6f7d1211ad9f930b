import C8SKube

extension WebhookSource {
    /// The repository keys an (unauthenticated) delivery claims, found by ``JSONPathScan`` in the raw body
    /// without parsing it: most specific first, without duplicates, empty when the body names none.
    ///
    /// The paths are those the full decoders read the repository from: GitHub and Gitea `repository.clone_url`,
    /// `ssh_url`, `html_url`; GitLab `project.git_http_url`, `git_ssh_url`, `web_url` (or the same under
    /// `repository`); Bitbucket Cloud `repository.full_name` with the host of `repository.links.html.href`;
    /// Bitbucket Data Center the `href`s of `repository.links.clone` (or `pullRequest.toRef.repository`).
    /// A form-encoded delivery is scanned in its `payload` field.
    func claimedRepositoryKeys(headers: WebhookHeaders, body: [UInt8]) -> [RepositoryKey] {
        guard let json = try? jsonBytes(headers: headers, body: body) else { return [] }
        var urls: [String] = []
        switch self {
        case .github, .gitea:
            let found = JSONPathScan(paths: [
                ["repository", "clone_url"], ["repository", "ssh_url"], ["repository", "html_url"],
            ]).values(in: json)
            urls = found.sorted { $0.path < $1.path }.map(\.value)
        case .gitlab:
            let found = JSONPathScan(paths: [
                ["project", "git_http_url"], ["project", "git_ssh_url"], ["project", "web_url"],
                ["repository", "git_http_url"], ["repository", "git_ssh_url"], ["repository", "homepage"],
            ]).values(in: json)
            urls = found.sorted { $0.path < $1.path }.map(\.value)
        case .bitbucket:
            if BitbucketWebhook.provider(headers: headers) == .bitbucketCloud {
                let found = JSONPathScan(paths: [
                    ["repository", "full_name"], ["repository", "links", "html", "href"],
                ])
                .values(in: json)
                let web = found.first { $0.path == 1 }?.value
                if let fullName = found.first(where: { $0.path == 0 })?.value {
                    let host = web.flatMap { RepositoryURL($0)?.host } ?? "bitbucket.org"
                    urls = ["https://\(host)/\(fullName).git", "git@\(host):\(fullName).git"]
                }
                if let web { urls.append(web) }
            } else {
                let found = JSONPathScan(paths: [
                    ["repository", "links", "clone", "[]", "href"],
                    ["pullRequest", "toRef", "repository", "links", "clone", "[]", "href"],
                ]).values(in: json)
                urls = found.sorted { $0.path < $1.path }.map(\.value)
            }
        }
        var keys: [RepositoryKey] = []
        for url in urls {
            for key in RepositoryKey.candidates(for: url) where !keys.contains(key) { keys.append(key) }
        }
        return keys
    }

    /// Whether the headers announce a ping (GitHub `ping`, Bitbucket `diagnostics:ping`, Gitea/Forgejo `ping`),
    /// which a forge may send without naming a repository.
    func isPing(_ headers: WebhookHeaders) -> Bool {
        switch self {
        case .github: headers["X-GitHub-Event"] == "ping"
        case .bitbucket: headers["X-Event-Key"] == "diagnostics:ping"
        case .gitea: headers.first(of: "X-Forgejo-Event", "X-Gitea-Event", "X-Gogs-Event") == "ping"
        case .gitlab: false
        }
    }
}
