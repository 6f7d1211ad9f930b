/// Shell-style glob matching for branch and path patterns: `*` matches within one path segment, `**` across
/// segments, `?` one character; everything else matches itself.
public enum GlobPattern {
    /// Whether `text` matches `pattern` as a whole.
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        match(Array(pattern), 0, Array(text), 0)
    }

    private static func match(_ p: [Character], _ pi: Int, _ t: [Character], _ ti: Int) -> Bool {
        var pi = pi
        var ti = ti
        while pi < p.count {
            switch p[pi] {
            case "*":
                let doubleStar = pi + 1 < p.count && p[pi + 1] == "*"
                let rest = doubleStar ? pi + 2 : pi + 1
                var end = ti
                while true {
                    if match(p, rest, t, end) { return true }
                    guard end < t.count, doubleStar || t[end] != "/" else { return false }
                    end += 1
                }
            case "?":
                guard ti < t.count, t[ti] != "/" else { return false }
            default:
                guard ti < t.count, t[ti] == p[pi] else { return false }
            }
            pi += 1
            ti += 1
        }
        return ti == t.count
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
