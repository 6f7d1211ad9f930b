/// What admission reads from the cluster (the coordinator's informer caches or its client).
public protocol AdmissionLookup: Sendable {
    /// The keys of Secret `name` in `namespace`, or nil when it does not exist.
    func secretKeys(name: String, namespace: String) async throws -> [String]?
    /// Whether PipelineConfig `name` exists in `namespace`.
    func pipelineConfigExists(name: String, namespace: String) async throws -> Bool
}
