/// Where one container's log lives in a store: `<namespace>/<run>/<step>/<container>/`.
///
/// The store backend adds its own prefix (the S3 key prefix or the directory root).
public struct LogLocation: Sendable, Hashable, CustomStringConvertible {
    public var namespace: String
    public var run: String
    public var step: String
    public var container: String

    /// - Throws: when a component is empty, `.`/`..`, or contains `/` or a control character.
    public init(namespace: String, run: String, step: String, container: String) throws(LogStoreError) {
        for (field, value) in [("namespace", namespace), ("run", run), ("step", step), ("container", container)] {
            if value.isEmpty || value == "." || value == ".." || value.contains("/")
                || value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            {
                throw LogStoreError.invalidKey("log location \(field) '\(value)' must be a non-empty name without '/'")
            }
        }
        self.namespace = namespace
        self.run = run
        self.step = step
        self.container = container
    }

    /// `<namespace>/<run>/<step>/<container>/`
    public var prefix: String { "\(namespace)/\(run)/\(step)/\(container)/" }
    public var indexKey: String { prefix + "index.json" }
    public var completionKey: String { prefix + "complete.json" }
    public func chunkKey(sequence: Int64) -> String { prefix + ChunkKey.name(sequence: sequence) }

    public var description: String { prefix }
}
