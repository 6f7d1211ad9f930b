import C8SKube

/// A YAML document that could not be read.
public struct YAMLLoadError: Error, CustomStringConvertible {
    /// What is wrong, with line and column.
    public let description: String
}

/// Reads YAML (one or more `---`-separated documents) into `JSONValue`s with c8s's one YAML reader, resolving
/// plain scalars the way the Kubernetes YAML decoder does. Used for server-side apply bodies and for loading CRD
/// manifests from disk. Aliases are refused; empty documents are skipped.
public enum YAMLDocuments {
    /// Every non-empty document in `text`.
    public static func load(_ text: String) throws -> [JSONValue] {
        do {
            return try YAMLReader.readDocuments(text, allowsAliases: false).filter { !$0.isNull }
        } catch {
            throw YAMLLoadError(description: "YAML \(error)")
        }
    }
}
