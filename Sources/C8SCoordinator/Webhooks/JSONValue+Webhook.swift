import C8SKube

extension JSONValue {
    /// The integer value of an integer number or of a string holding digits (forges send some ids as strings), or
    /// `nil` (also for a fraction or an exponent, and for a number outside `Int`).
    var integer: Int? {
        switch self {
        case .int(let value): return Int(exactly: value)
        case .string(let text): return Int(text)
        default: return nil
        }
    }

    /// The non-empty string at dotted `path`, or a "missing field" error naming the path.
    func requiredString(_ path: String) throws(WebhookError) -> String {
        guard let value = value(at: path)?.stringValue, !value.isEmpty else { throw .missingField(path) }
        return value
    }

    /// The non-empty string at dotted `path`, or `nil`.
    func optionalString(_ path: String) -> String? {
        guard let value = value(at: path)?.stringValue, !value.isEmpty else { return nil }
        return value
    }

    /// The integer at dotted `path`, or a "missing field" error naming the path.
    func requiredInt(_ path: String) throws(WebhookError) -> Int {
        guard let value = value(at: path)?.integer else { throw .missingField(path, expected: "an integer") }
        return value
    }

    /// The object at dotted `path`, or a "missing field" error naming the path.
    func requiredObject(_ path: String) throws(WebhookError) -> JSONValue {
        guard let value = value(at: path), case .object = value else {
            throw .missingField(path, expected: "an object")
        }
        return value
    }

    /// Whether `path` names an object.
    func hasObject(_ path: String) -> Bool {
        if case .object = value(at: path) { return true }
        return false
    }
}

enum GitRef {
    /// A 40- or 64-character all-zero object name: the ref was created from or deleted to nothing.
    static func isZero(_ sha: String?) -> Bool {
        guard let sha, !sha.isEmpty else { return false }
        return sha.allSatisfy { $0 == "0" }
    }

    static func branch(of ref: String) -> String? {
        ref.hasPrefix("refs/heads/") ? String(ref.dropFirst("refs/heads/".count)) : nil
    }

    static func tag(of ref: String) -> String? {
        ref.hasPrefix("refs/tags/") ? String(ref.dropFirst("refs/tags/".count)) : nil
    }

    /// Changed paths from commits carrying `added`/`modified`/`removed` lists (GitHub, GitLab,
    /// Gitea), in first-seen order without duplicates; `nil` when the list is absent or empty,
    /// or when `complete` is false (the forge truncated it), so path conditions pass.
    static func changedPaths(commits: JSONValue?, complete: Bool) -> [String]? {
        guard complete, let commits = commits?.arrayValue, !commits.isEmpty else { return nil }
        var seen = Set<String>()
        var paths: [String] = []
        for commit in commits {
            for list in ["added", "modified", "removed"] {
                guard let entries = commit[list]?.arrayValue else { continue }
                for entry in entries {
                    if let path = entry.stringValue, seen.insert(path).inserted { paths.append(path) }
                }
            }
        }
        return paths
    }
}
