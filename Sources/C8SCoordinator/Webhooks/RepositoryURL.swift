/// A repository URL split into parts: `https://host[:port]/path`, `ssh://user@host[:port]/path`
/// or the scp-like `user@host:path`.
public struct RepositoryURL: Sendable, Hashable {
    /// `https`, `http`, `ssh`, `git`; `ssh` for the scp-like form; `nil` for a bare `host/path`.
    public var scheme: String?
    /// Host name in lower case.
    public var host: String
    public var port: Int?
    /// Path without leading or trailing slashes, as spelled (the `.git` suffix kept).
    public var path: String

    /// Parses `text`; `nil` when it has no host or no path.
    public init?(_ text: String) {
        var rest = Substring(text.trimmingASCIIWhitespace())
        if let hashIndex = rest.firstIndex(where: { $0 == "#" || $0 == "?" }) {
            rest = rest[..<hashIndex]
        }
        var authority: Substring
        if let range = rest.range(of: "://") {
            let scheme = rest[..<range.lowerBound].lowercased()
            guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0 == "+" }) else { return nil }
            self.scheme = scheme
            rest = rest[range.upperBound...]
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            authority = rest[..<slash]
            rest = rest[slash...]
        } else if let colon = rest.firstIndex(of: ":"), !rest[..<colon].contains("/") {
            // scp-like: git@host:owner/name.git
            scheme = "ssh"
            authority = rest[..<colon]
            rest = rest[rest.index(after: colon)...]
            // `host:7999/path` is not scp-like but a port; accept it as such.
            if let slash = rest.firstIndex(of: "/"), let port = Int(rest[..<slash]), port > 0, port < 65536 {
                authority = Substring("\(authority):\(port)")
                rest = rest[slash...]
            }
        } else {
            scheme = nil
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            authority = rest[..<slash]
            rest = rest[slash...]
        }
        if let at = authority.lastIndex(of: "@") {
            authority = authority[authority.index(after: at)...]
        }
        var hostPart = authority
        port = nil
        if let colon = authority.lastIndex(of: ":"), !authority.hasPrefix("[") || authority[..<colon].hasSuffix("]") {
            let portText = authority[authority.index(after: colon)...]
            if portText.isEmpty {
                hostPart = authority[..<colon]
            } else if let value = Int(portText), value > 0, value < 65536 {
                port = value
                hostPart = authority[..<colon]
            } else {
                return nil
            }
        }
        host = hostPart.lowercased()
        let segments = rest.split(separator: "/", omittingEmptySubsequences: true)
        path = segments.joined(separator: "/")
        guard !host.isEmpty, !path.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else { return nil }
    }

    /// The path without a `.git` suffix.
    public var pathWithoutGitSuffix: String {
        if path.lowercased().hasSuffix(".git") { return String(path.dropLast(4)) }
        return path
    }
}

/// The canonical key of a repository: `host/path` in lower case, without scheme, user, port,
/// `.git` suffix or trailing slash. `https://GitHub.com/Acme/Shop.git/`, `git@github.com:acme/shop`
/// and `ssh://git@github.com:22/acme/shop` all become `github.com/acme/shop`.
public struct RepositoryKey: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    /// The canonical text.
    public let rawValue: String

    /// Normalizes `url`; `nil` when it has no host or path.
    public init?(_ url: String) {
        guard let parsed = RepositoryURL(url) else { return nil }
        self.init(host: parsed.host, path: parsed.pathWithoutGitSuffix)
    }

    init(host: String, path: String) {
        rawValue = (host + "/" + path).lowercased()
    }

    public var description: String { rawValue }

    public static func < (lhs: RepositoryKey, rhs: RepositoryKey) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The canonical key of `url`, followed by the aliases Bitbucket Data Center uses for the same
    /// repository (`/scm/PROJ/repo` clone paths and `/projects/PROJ/repos/repo` browse paths both
    /// become `host/proj/repo`).
    public static func candidates(for url: String) -> [RepositoryKey] {
        guard let parsed = RepositoryURL(url) else { return [] }
        let primary = RepositoryKey(host: parsed.host, path: parsed.pathWithoutGitSuffix)
        var result = [primary]
        let segments = parsed.pathWithoutGitSuffix.split(separator: "/").map(String.init)
        if let scm = segments.firstIndex(where: { $0.lowercased() == "scm" }), segments.count - scm == 3 {
            result.append(RepositoryKey(host: parsed.host, path: segments[(scm + 1)...].joined(separator: "/")))
        }
        if let projects = segments.firstIndex(where: { $0.lowercased() == "projects" }),
            segments.count >= projects + 4, segments[projects + 2].lowercased() == "repos"
        {
            let path = segments[projects + 1] + "/" + segments[projects + 3]
            result.append(RepositoryKey(host: parsed.host, path: path))
        }
        return result
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
