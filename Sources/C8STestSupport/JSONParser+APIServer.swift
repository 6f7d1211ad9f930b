import C8SKube

extension JSONParser {
    /// How the in-memory API server reads request bodies: like kube-apiserver's decoder, a duplicate key keeps its
    /// last value; nesting is bounded well above any Kubernetes object's.
    static let apiServer = JSONParser(maximumDepth: 512, duplicateKeys: .keepLast)
}

extension JSONValue {
    /// The text the in-memory API server sends: sorted keys, HTML-safe escapes as kube-apiserver's Go encoder writes.
    var apiServerText: String { serialized(options: .init(escapesHTML: true)) }
}
