/// Shell-style glob matching for branch and path patterns: `*` matches within one path segment, `**` across
/// segments, `?` one character; everything else matches itself.
///
/// `**/` also matches no directory at all (`docs/**/*.md` matches `docs/a.md`). Matching memoizes the positions
/// it has tried, so it takes at most pattern length × text length steps whatever the pattern — a pipeline file
/// cannot stall the coordinator with a pathological `*a*a*a…b`.
public enum GlobPattern {
    /// Whether `text` matches `pattern` as a whole.
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        var matcher = Matcher(pattern: Array(pattern), text: Array(text))
        return matcher.match(0, 0)
    }

    private struct Matcher {
        let p: [Character]
        let t: [Character]
        /// Positions (pattern index, text index) already known not to match.
        var failed: Set<Int> = []

        init(pattern: [Character], text: [Character]) {
            p = pattern
            t = text
        }

        mutating func match(_ pi: Int, _ ti: Int) -> Bool {
            let key = pi * (t.count + 1) + ti
            if failed.contains(key) { return false }
            let result = step(pi, ti)
            if !result { failed.insert(key) }
            return result
        }

        private mutating func step(_ pi: Int, _ ti: Int) -> Bool {
            guard pi < p.count else { return ti == t.count }
            switch p[pi] {
            case "*":
                let doubleStar = pi + 1 < p.count && p[pi + 1] == "*"
                let rest = doubleStar ? pi + 2 : pi + 1
                if doubleStar, rest < p.count, p[rest] == "/", match(rest + 1, ti) { return true }
                if match(rest, ti) { return true }
                guard ti < t.count, doubleStar || t[ti] != "/" else { return false }
                return match(pi, ti + 1)
            case "?":
                guard ti < t.count, t[ti] != "/" else { return false }
                return match(pi + 1, ti + 1)
            default:
                guard ti < t.count, t[ti] == p[pi] else { return false }
                return match(pi + 1, ti + 1)
            }
        }
    }
}

extension WhenCondition {
    /// Whether a run for `branch` triggered by `event` runs the step. `changedPaths` nil means unknown
    /// (every path condition holds).
    public func matches(branch: String?, event: String?, changedPaths: [String]? = nil) -> Bool {
        if !branches.isEmpty {
            guard let branch, branches.contains(where: { GlobPattern.matches($0, branch) }) else { return false }
        }
        if !events.isEmpty {
            guard let event, events.contains(event) else { return false }
        }
        if let paths, !paths.isEmpty, let changedPaths {
            guard changedPaths.contains(where: { path in paths.contains { GlobPattern.matches($0, path) } }) else {
                return false
            }
        }
        return true
    }
}
