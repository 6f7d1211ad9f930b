import Foundation

/// A parsed Kubernetes label selector (`a=b,c!=d,e in (x,y),f notin (z),g,!h`). Pure value type.
public struct LabelSelector: Sendable, Equatable {
    /// One requirement of a selector.
    public enum Requirement: Sendable, Equatable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)
    }

    /// All requirements; every one must hold.
    public let requirements: [Requirement]

    /// Parses the `labelSelector` query parameter syntax.
    public init(parsing text: String) throws {
        var requirements: [Requirement] = []
        for part in Self.splitTopLevel(text) {
            let term = part.trimmingCharacters(in: .whitespaces)
            if term.isEmpty { continue }
            requirements.append(try Self.parseTerm(term))
        }
        self.requirements = requirements
    }

    /// Whether `labels` satisfy every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let key, let value): return labels[key] == value
            case .notEquals(let key, let value): return labels[key] != value
            case .isIn(let key, let values): return labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): return labels[key].map { !values.contains($0) } ?? true
            case .exists(let key): return labels[key] != nil
            case .doesNotExist(let key): return labels[key] == nil
            }
        }
    }

    private static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == ",", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }

    private static func parseTerm(_ term: String) throws -> Requirement {
        if term.hasPrefix("!") {
            let key = String(term.dropFirst()).trimmingCharacters(in: .whitespaces)
            try validateKey(key, in: term)
            return .doesNotExist(key)
        }
        for (op, isEqual) in [("!=", false), ("==", true), ("=", true)] {
            if let range = term.range(of: op) {
                let key = term[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                let value = term[range.upperBound...].trimmingCharacters(in: .whitespaces)
                try validateKey(key, in: term)
                return isEqual ? .equals(key, value) : .notEquals(key, value)
            }
        }
        let words = term.split(separator: " ", maxSplits: 1).map(String.init)
        if words.count == 2 {
            let rest = words[1].trimmingCharacters(in: .whitespaces)
            for (op, isIn) in [("notin", false), ("in", true)] where rest.hasPrefix(op) {
                let list = rest.dropFirst(op.count).trimmingCharacters(in: .whitespaces)
                guard list.hasPrefix("("), list.hasSuffix(")") else {
                    throw SelectorError(description: "unable to parse requirement: \"\(term)\": expected (values)")
                }
                let values = Set(
                    list.dropFirst().dropLast().split(separator: ",").map {
                        $0.trimmingCharacters(in: .whitespaces)
                    })
                try validateKey(words[0], in: term)
                return isIn ? .isIn(words[0], values) : .notIn(words[0], values)
            }
            throw SelectorError(description: "unable to parse requirement: \"\(term)\"")
        }
        try validateKey(term, in: term)
        return .exists(term)
    }

    private static func validateKey(_ key: String, in term: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./")
        guard !key.isEmpty, key.allSatisfy({ allowed.contains($0) }) else {
            throw SelectorError(description: "unable to parse requirement: \"\(term)\": invalid label key \"\(key)\"")
        }
    }
}
