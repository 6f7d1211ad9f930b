import C8SAPI
import C8SKube

/// ``AdmissionLookup`` on the Kubernetes API, through the coordinator's client (needs `get` on `secrets` and
/// `pipelineconfigs`). Only Secret key names are read; values never leave the API response.
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

    public func pipelineConfigExists(name: String, namespace: String) async throws -> Bool {
        try await client.getIfPresent(PipelineConfig.self, name: name, namespace: namespace) != nil
    }
}
