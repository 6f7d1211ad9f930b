import C8SCore
import C8SKube

/// What admission reads from the cluster (the coordinator's informer caches or its client).
public protocol AdmissionLookup: Sendable {
    /// The keys of Secret `name` in `namespace`, or nil when it does not exist.
    func secretKeys(name: String, namespace: String) async throws -> [String]?
    /// The spec of PipelineConfig `name` in `namespace`, or nil when it does not exist.
    func pipelineConfig(name: String, namespace: String) async throws -> PipelineSpec?
    /// The ResourceQuotas of `namespace` (with their `status.used`).
    func resourceQuotas(namespace: String) async throws -> [ResourceQuota]
}
