import C8SYAML

/// Reads YAML documents into `JSONValue`s: kubeconfig files, manifests, `-o yaml` output. JSON is YAML, so JSON
/// documents read too. The reading itself (and its bounds: size, nesting, alias expansion) is the one
/// ``YAMLNodeReader`` of c8s; this resolves its plain scalars the way the Kubernetes YAML decoder does and refuses
/// duplicate keys.
package enum YAMLReader {
    /// A YAML syntax error (or a refused document) at a position of the input.
    package struct SyntaxError: Error, CustomStringConvertible {
        package var line: Int
        package var column: Int
        package var problem: String
        package var description: String { "line \(line), column \(column): \(problem)" }
    }

    /// The bounds of one read: 16 MiB of text (far above any kubeconfig or manifest, below what would strain
    /// memory), the product's nesting limit of 64 and the alias expansion bound of the reader.
    static func limits(allowsAliases: Bool) -> YAMLNodeReader.Limits {
        YAMLNodeReader.Limits(maxDocumentBytes: 16 << 20, maxDocuments: 10_000, allowsAliases: allowsAliases)
    }

    /// Parses the first document of `text` (an empty input is `null`).
    package static func read(_ text: String) throws -> JSONValue {
        try readDocuments(text).first ?? .null
    }

    /// Parses every document of `text` (a document of only `---` is `null`); aliases are refused unless
    /// `allowsAliases`.
    package static func readDocuments(_ text: String, allowsAliases: Bool = true) throws -> [JSONValue] {
        let nodes: [YAMLNode]
        let duplicates: [YAMLNodeReader.Duplicate]
        do {
            (nodes, duplicates) = try YAMLNodeReader(limits: limits(allowsAliases: allowsAliases))
                .readDocuments(Array(text.utf8))
        } catch {
            throw SyntaxError(line: error.line ?? 0, column: error.column ?? 0, problem: error.message)
        }
        if let duplicate = duplicates.first {
            throw SyntaxError(
                line: duplicate.line, column: duplicate.column,
                problem: "duplicate key \"\(duplicate.key)\" (first given on line \(duplicate.first))")
        }
        return try nodes.map(value(of:))
    }

    /// The value of a node. Recursive: the reader bounds the nesting of what it returns (64 levels, aliases
    /// included).
    static func value(of node: YAMLNode) throws(SyntaxError) -> JSONValue {
        switch node.content {
        case .scalar(let text, let plain):
            return plain ? resolve(text) : .string(text)
        case .sequence(let items):
            var values: [JSONValue] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try value(of: item)) }
            return .array(values)
        case .mapping(let pairs):
            var members: [String: JSONValue] = [:]
            for (key, item) in pairs {
                let name: String
                switch try value(of: key) {
                case .string(let text): name = text
                case .int(let number): name = String(number)
                case .bool(let flag): name = flag ? "true" : "false"
                case .double(let number): name = String(number)
                case .null: name = "null"
                default:
                    throw SyntaxError(line: key.line, column: key.column, problem: "a mapping key must be a scalar")
                }
                guard members[name] == nil else {
                    throw SyntaxError(line: key.line, column: key.column, problem: "duplicate key \"\(name)\"")
                }
                members[name] = try value(of: item)
            }
            return .object(members)
        }
    }

    /// YAML 1.2 core schema resolution of a plain scalar.
    static func resolve(_ text: String) -> JSONValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let number = Int64(text) { return .int(number) }
        if text.hasPrefix("0x"), let number = Int64(text.dropFirst(2), radix: 16) { return .int(number) }
        if text.hasPrefix("0o"), let number = Int64(text.dropFirst(2), radix: 8) { return .int(number) }
        let numeric = text.allSatisfy { "0123456789.eE+-".contains($0) } && text.contains(where: \.isNumber)
        if numeric, let number = Double(text) { return .double(number) }
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: return .string(text)
        }
    }
}
