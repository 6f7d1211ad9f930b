/// Request headers with case-insensitive lookup, decoupled from the HTTP server so the webhook
/// parsers stay pure.
public struct WebhookHeaders: Sendable, Hashable {
    private var values: [String: String]

    /// Creates headers from name/value pairs; a repeated name keeps its first value.
    public init(_ pairs: [(String, String)]) {
        var values: [String: String] = [:]
        for (name, value) in pairs where values[name.lowercased()] == nil {
            values[name.lowercased()] = value
        }
        self.values = values
    }

    /// Creates headers from a dictionary.
    public init(_ dictionary: [String: String]) {
        self.init(dictionary.map { ($0.key, $0.value) })
    }

    /// The value of header `name` (any case), trimmed; `nil` when absent or empty.
    public subscript(name: String) -> String? {
        guard let value = values[name.lowercased()]?.trimmingASCIIWhitespace(), !value.isEmpty else { return nil }
        return value
    }

    /// The first present header of `names`.
    public func first(of names: String...) -> String? {
        for name in names {
            if let value = self[name] { return value }
        }
        return nil
    }
}
