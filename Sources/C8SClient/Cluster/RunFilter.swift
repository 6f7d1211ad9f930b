/// Which runs `c8s get runs` lists.
public struct RunFilter: Sendable, Hashable {
    /// A label selector (`-l`).
    public var labelSelector: String?
    /// Only runs of this PipelineConfig (`--config`).
    public var config: String?

    public init(labelSelector: String? = nil, config: String? = nil) {
        self.labelSelector = labelSelector.flatMap { $0.isEmpty ? nil : $0 }
        self.config = config.flatMap { $0.isEmpty ? nil : $0 }
    }
}
