/// The repository named in a webhook: its URLs as the forge spelled them, and their canonical keys.
public struct RepositoryReference: Sendable, Hashable {
    /// `owner/name` (GitLab: the full namespace path; Bitbucket DC: `PROJECT/slug`).
    public var fullName: String?
    /// HTTPS clone URL.
    public var cloneURL: String
    /// SSH clone URL when the payload has one.
    public var sshURL: String?
    /// Browser URL when the payload has one.
    public var webURL: String?

    public init(fullName: String?, cloneURL: String, sshURL: String? = nil, webURL: String? = nil) {
        self.fullName = fullName
        self.cloneURL = cloneURL
        self.sshURL = sshURL
        self.webURL = webURL
    }

    /// Canonical keys of every URL, most specific first and without duplicates; a connection
    /// matches when its repository's key equals any of them.
    public var keys: [RepositoryKey] {
        var result: [RepositoryKey] = []
        for url in [cloneURL, sshURL, webURL].compactMap({ $0 }) {
            for key in RepositoryKey.candidates(for: url) where !result.contains(key) {
                result.append(key)
            }
        }
        return result
    }
}
