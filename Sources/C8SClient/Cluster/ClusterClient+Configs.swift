import C8SAPI
import C8SCore
import C8SKube

extension ClusterClient {
    /// How often `applyConfig` reads again after losing a race with another writer.
    static let maximumApplyAttempts = 10

    /// Creates the PipelineConfig `name` with `spec`, or replaces the spec of the existing one (keeping its
    /// resourceVersion, metadata and status). A concurrent create or update makes it read again and re-apply the
    /// spec, so nothing another writer changed is lost.
    public func applyConfig(name: String, spec: PipelineSpec) async throws -> ApplyOutcome {
        let action = { (verb: String) in
            ClusterAction(verb, PipelineConfig.plural, name: name, namespace: namespace)
        }
        var attempt = 0
        while true {
            attempt += 1
            let lastAttempt = attempt >= Self.maximumApplyAttempts
            let existing = try await action("get").perform(on: target) {
                try await kube.getIfPresent(PipelineConfig.self, name: name, namespace: namespace)
            }
            do {
                guard var config = existing else {
                    _ = try await kube.create(
                        PipelineConfig(metadata: ObjectMeta(name: name, namespace: namespace), spec: spec))
                    return .created
                }
                if config.spec == spec { return .unchanged }
                config.spec = spec
                _ = try await kube.update(config)
                return .configured
            } catch let error as KubeError where (error.isConflict || error.isAlreadyExists) && !lastAttempt {
                continue
            } catch let error as KubeError {
                throw action(existing == nil ? "create" : "update").error(error, target: target)
            }
        }
    }
}
