/// A node of a parsed YAML document, with the position where it starts.
package struct YAMLNode: Sendable {
    /// What the node holds.
    package enum Content: Sendable {
        /// A scalar's text and whether it was written plain (unquoted, so `true`, `null`, `12` keep their type).
        case scalar(String, plain: Bool)
        case sequence([YAMLNode])
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    package var content: Content
    /// 1-based line and column.
    package var line: Int
    package var column: Int
    /// Number of nodes in this subtree, counting alias expansions.
    package var weight: Int
    /// How many collections deep this subtree nests (0 for a scalar), counting alias expansions.
    package var height: Int

    package init(content: Content, line: Int, column: Int, weight: Int, height: Int = 0) {
        self.content = content
        self.line = line
        self.column = column
        self.weight = weight
        self.height = height
    }

    /// The scalar text, if this is a scalar.
    package var scalar: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// A plain `null`, `~` or empty scalar.
    package var isNull: Bool {
        if case .scalar(let text, plain: true) = content {
            return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
        }
        return false
    }

    /// Human name of the node's type, for "expected X, got Y" messages.
    package var typeName: String {
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
