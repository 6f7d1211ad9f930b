import C8SCommon
import C8SKube

/// An HTTP request reporting one commit status, built purely from a status and a target.
public struct StatusRequest: Sendable, Hashable {
    public var method: String
    public var url: String
    /// Header name/value pairs (includes the credential: never log them).
    public var headers: [(name: String, value: String)]
    public var body: String

    public static func == (lhs: StatusRequest, rhs: StatusRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body
            && lhs.headers.map { "\($0.name):\($0.value)" } == rhs.headers.map { "\($0.name):\($0.value)" }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(url)
        hasher.combine(body)
    }

    /// Builds the request for `status` on `target`:
    ///
    /// - GitHub: `POST {api}/repos/{owner}/{repo}/statuses/{sha}`, `Authorization: Bearer`,
    ///   `Accept: application/vnd.github+json`, `{state, target_url, description, context}`;
    /// - GitLab: `POST {api}/api/v4/projects/{url-encoded path}/statuses/{sha}`, `PRIVATE-TOKEN`,
    ///   `{state, name, target_url, description, ref}`;
    /// - Bitbucket Cloud: `POST {api}/2.0/repositories/{workspace}/{repo}/commit/{sha}/statuses/build`,
    ///   `Authorization: Bearer`, `{key, state, url, name, description}`;
    /// - Bitbucket Data Center: `POST {base}/rest/build-status/1.0/commits/{sha}`, same body;
    /// - Gitea/Forgejo: `POST {api}/api/v1/repos/{owner}/{repo}/statuses/{sha}`, `Authorization: token`,
    ///   `{state, target_url, description, context}`.
    public static func make(status: CommitStatus, target: StatusTarget) throws(StatusReportError) -> StatusRequest {
        guard let base = target.apiBaseURL ?? ForgeAPI.baseURL(provider: target.provider, repository: target.repository)
        else { throw StatusReportError("cannot derive the API URL from repository \(target.repository)") }
        let api = base.hasSuffix("/") ? String(base.dropLast()) : base
        guard let path = ForgeAPI.repositoryPath(target.repository), path.contains("/") else {
            throw StatusReportError("repository \(target.repository) has no owner/name path")
        }
        let sha = PercentEncoding.encode(status.commitSHA)
        let state = ForgeStatusState.state(for: status.phase, provider: target.provider)
        let encodedPath = path.split(separator: "/").map { PercentEncoding.encode(String($0)) }
            .joined(separator: "/")
        var fields: [String: JSONValue] = [
            "state": .string(state), "description": .string(status.effectiveDescription),
        ]
        let url: String
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"), ("User-Agent", "c8s-coordinator"),
        ]
        switch target.provider {
        case .github, .gitea:
            url =
                target.provider == .github
                ? "\(api)/repos/\(encodedPath)/statuses/\(sha)" : "\(api)/api/v1/repos/\(encodedPath)/statuses/\(sha)"
            fields["context"] = .string(status.context)
            if let link = status.targetURL { fields["target_url"] = .string(link) }
            if target.provider == .github {
                headers += [
                    ("Authorization", "Bearer \(target.token)"), ("Accept", "application/vnd.github+json"),
                    ("X-GitHub-Api-Version", "2022-11-28"),
                ]
            } else {
                headers += [("Authorization", "token \(target.token)"), ("Accept", "application/json")]
            }
        case .gitlab:
            url = "\(api)/api/v4/projects/\(PercentEncoding.encode(path))/statuses/\(sha)"
            fields["name"] = .string(status.context)
            if let link = status.targetURL { fields["target_url"] = .string(link) }
            if let ref = status.ref { fields["ref"] = .string(ref) }
            headers.append(("PRIVATE-TOKEN", target.token))
        case .bitbucketCloud, .bitbucketDataCenter:
            url =
                target.provider == .bitbucketCloud
                ? "\(api)/2.0/repositories/\(encodedPath)/commit/\(sha)/statuses/build"
                : "\(api)/rest/build-status/1.0/commits/\(sha)"
            fields["key"] = .string(bitbucketKey(status.context))
            fields["name"] = .string(status.context)
            // Bitbucket requires a URL; without a run link, point at the repository.
            fields["url"] = .string(status.targetURL ?? target.repository)
            headers += [("Authorization", "Bearer \(target.token)"), ("Accept", "application/json")]
        }
        return StatusRequest(method: "POST", url: url, headers: headers, body: JSONValue.object(fields).serialized)
    }

    /// Bitbucket keys are at most 40 characters: longer contexts keep a prefix and a digest.
    static func bitbucketKey(_ context: String) -> String {
        guard context.count > 40 else { return context }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in context.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let digest = String(hash, radix: 16)
        return String(context.prefix(39 - digest.count)) + "-" + digest
    }
}

/// Why a status could not be built or sent.
public struct StatusReportError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
