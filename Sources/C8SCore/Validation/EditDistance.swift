/// Levenshtein distance, for "did you mean" suggestions.
package enum EditDistance {
    /// Number of single-character insertions, deletions and substitutions turning `a` into `b`.
    package static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased())
        let b = Array(b.lowercased())
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The candidate closest to `word`, if it is close enough to be a plausible typo.
    ///
    /// Bounded work: words longer than ``maxWordLength`` get no suggestion, and only candidates whose length is
    /// within the allowed distance are compared, so each comparison costs at most `maxWordLength²` steps.
    package static func closest(to word: String, among candidates: [String]) -> String? {
        let length = word.count
        guard length <= maxWordLength else { return nil }
        let limit = max(1, min(3, length / 2))
        var best: (String, Int)?
        for candidate in candidates {
            let candidateLength = candidate.utf8.count
            guard candidateLength <= maxWordLength + limit * 4, abs(candidate.count - length) <= limit else { continue }
            let score = distance(word, candidate)
            if score <= limit, best.map({ score < $0.1 }) ?? true { best = (candidate, score) }
        }
        return best?.0
    }

    /// Longest word for which suggestions are computed (names are DNS labels of at most 63 characters).
    package static let maxWordLength = 64
}
