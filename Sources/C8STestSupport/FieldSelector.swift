import C8SKube
import Foundation

/// A parsed field selector (`metadata.name=x,status.phase!=Running`). Pure value type.
public struct FieldSelector: Sendable, Equatable {
    /// One `field=value` or `field!=value` term.
    public struct Term: Sendable, Equatable {
        public var field: String
        public var value: String
        public var negated: Bool
    }

    /// All terms; every one must hold.
    public let terms: [Term]

    /// Parses the `fieldSelector` query parameter syntax.
    public init(parsing text: String) throws {
        var terms: [Term] = []
        for part in text.split(separator: ",") {
            let term = part.trimmingCharacters(in: .whitespaces)
            if term.isEmpty { continue }
            var parsed: Term?
            for (op, negated) in [("!=", true), ("==", false), ("=", false)] {
                if let range = term.range(of: op) {
                    parsed = Term(
                        field: term[..<range.lowerBound].trimmingCharacters(in: .whitespaces),
                        value: term[range.upperBound...].trimmingCharacters(in: .whitespaces), negated: negated)
                    break
                }
            }
            guard let parsed else {
                throw SelectorError(description: "invalid selector: '\(text)'; can't understand '\(term)'")
            }
            terms.append(parsed)
        }
        self.terms = terms
    }

    /// Whether `object` satisfies every term (a missing field compares as the empty string, as in Kubernetes).
    public func matches(_ object: JSONValue) -> Bool {
        terms.allSatisfy { term in
            let actual = Self.fieldValue(term.field, in: object)
            return term.negated ? actual != term.value : actual == term.value
        }
    }

    static func fieldValue(_ field: String, in object: JSONValue) -> String {
        let value = object[path: field.split(separator: ".").map(String.init)]
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        case .double(let number): return String(number)
        default: return ""
        }
    }
}
