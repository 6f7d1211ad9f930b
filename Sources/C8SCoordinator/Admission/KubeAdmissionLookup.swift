import C8SAPI
import C8SCore
import C8SKube

/// ``AdmissionLookup`` on the Kubernetes API, through the coordinator's client (needs `get` on `secrets` and
/// `pipelineconfigs`, `list` on `resourcequotas`). Only Secret key names are read; values never leave the API response.
public struct KubeAdmissionLookup: AdmissionLookup {
    public let client: KubeClient

    public init(client: KubeClient) {
        self.client = client
    }

    public func secretKeys(name: String, namespace: String) async throws -> [String]? {
        guard let secret = try await client.getIfPresent(Secret.self, name: name, namespace: namespace) else {
            return nil
        }
        return Array((secret.data ?? [:]).keys)
    }

    public func pipelineConfig(name: String, namespace: String) async throws -> PipelineSpec? {
        try await client.getIfPresent(PipelineConfig.self, name: name, namespace: namespace)?.spec
    }

    public func resourceQuotas(namespace: String) async throws -> [ResourceQuota] {
        try await client.list(ResourceQuota.self, namespace: namespace).items
    }
}
