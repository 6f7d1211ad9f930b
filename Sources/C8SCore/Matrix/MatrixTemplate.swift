/// The `${{ matrix.NAME }}` expressions of a string, and their substitution.
///
/// Only `matrix.NAME` expressions exist; spaces inside the braces are optional (`${{matrix.go}}`).
package enum MatrixTemplate {
    /// One `${{ … }}` occurrence.
    package struct Expression: Sendable, Hashable {
        /// The text between the braces, trimmed.
        package var body: String
        /// The axis name if the body is `matrix.NAME`.
        package var axis: String? {
            guard body.hasPrefix("matrix.") else { return nil }
            let name = body.dropFirst("matrix.".count)
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                return nil
            }
            return String(name)
        }
    }

    /// Every expression in `text`, in order; an unterminated `${{` is returned with the rest of the text as body.
    package static func expressions(in text: String) -> [Expression] {
        var result: [Expression] = []
        scan(text) { body in
            result.append(Expression(body: body))
            return nil
        }
        return result
    }

    /// `text` with each `${{ matrix.NAME }}` replaced by `values[NAME]` (unknown names are left as written).
    package static func substitute(_ text: String, values: [String: String]) -> String {
        guard text.contains("${{") else { return text }
        return scan(text) { body in
            Expression(body: body).axis.flatMap { values[$0] }
        }
    }

    /// Walks the expressions of `text`, building a copy where each is replaced by `replace`'s answer
    /// (or kept if it answers nil).
    @discardableResult
    private static func scan(_ text: String, replace: (String) -> String?) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${{") {
            output += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else {
                _ = replace(afterOpen.trimmingCharacters(in: " \t"))
                output += rest[open.lowerBound...]
                return output
            }
            let body = afterOpen[..<close.lowerBound].trimmingCharacters(in: " \t")
            output += replace(body) ?? String(rest[open.lowerBound..<close.upperBound])
            rest = afterOpen[close.upperBound...]
        }
        output += rest
        return output
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in characters: String) -> String {
        var slice = self
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
