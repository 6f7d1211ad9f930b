/// A node of a parsed YAML document, with the position where it starts.
struct YAMLNode: Sendable {
    enum Content: Sendable {
        /// A scalar's text and whether it was written plain (unquoted, so `true`, `null`, `12` keep their type).
        case scalar(String, plain: Bool)
        case sequence([YAMLNode])
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    var content: Content
    /// 1-based line and column.
    var line: Int
    var column: Int
    /// Number of nodes in this subtree, counting alias expansions.
    var weight: Int

    var position: SourceMap.Position { SourceMap.Position(line: line, column: column) }

    /// The scalar text, if this is a scalar.
    var scalar: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// A plain `null`, `~` or empty scalar.
    var isNull: Bool {
        if case .scalar(let text, plain: true) = content {
            return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
        }
        return false
    }

    /// Human name of the node's type, for "expected X, got Y" messages.
    var typeName: String {
        switch content {
        case .scalar(let text, let plain):
            if isNull { return "null" }
            if plain, ["true", "false", "True", "False", "TRUE", "FALSE"].contains(text) { return "a boolean" }
            if plain, Double(text) != nil { return "a number" }
            return "a string"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}
