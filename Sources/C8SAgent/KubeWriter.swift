import C8SAPI
import C8SKube

/// The agent's writes to the API: run step status, the Pod annotation and the Pod finalizer. Each is conflict-safe
/// (the resourceVersion read goes with the patch; a 409 reads again) and uses only the verbs of the agent's role:
/// `get`/`patch` on `pipelineruns/status` and `get`/`patch` on `pods`.
struct KubeWriter: Sendable {
    let client: KubeClient

    enum Outcome: Sendable, Hashable {
        case written
        case unchanged
        /// The object is gone.
        case gone
    }

    /// Writes `summary` and `logURL` into the step's status of the run.
    @discardableResult
    func writeStepLogs(
        namespace: String, run: String, step: String, summary: PipelineRun.LogSummary, logURL: String
    ) async throws -> Outcome {
        try await retryOnConflict(maxAttempts: 10) {
            let object: PipelineRun
            do {
                object = try await client.getStatus(PipelineRun.self, name: run, namespace: namespace)
            } catch let error as KubeError where error.isNotFound {
                return .gone
            }
            var status = object.status ?? PipelineRun.Status()
            guard StepLogStatus.apply(summary: summary, logURL: logURL, step: step, to: &status) else {
                return .unchanged
            }
            let patch: JSONValue = [
                "metadata": ["resourceVersion": .string(object.metadata.resourceVersion ?? "")],
                "status": ["steps": try JSONValue(encoding: status.steps ?? [])],
            ]
            do {
                _ = try await client.patch(
                    PipelineRun.self, name: run, namespace: namespace, .merge(patch), subresource: "status")
            } catch let error as KubeError where error.isNotFound {
                return .gone
            }
            return .written
        }
    }

    /// Sets the annotation `c8s.dev/agent-url` of a Pod.
    @discardableResult
    func annotate(namespace: String, pod: String, agentURL: String) async throws -> Outcome {
        let patch: JSONValue = ["metadata": ["annotations": [C8SAnnotations.agentURL: .string(agentURL)]]]
        do {
            _ = try await client.patch(AgentPod.self, name: pod, namespace: namespace, .merge(patch))
            return .written
        } catch let error as KubeError where error.isNotFound {
            return .gone
        }
    }

    /// Removes `c8s.dev/logs` from the Pod's finalizers (the Pod `uid` only: a new Pod of the same name keeps it).
    @discardableResult
    func removeLogsFinalizer(namespace: String, pod: String, uid: String) async throws -> Outcome {
        try await retryOnConflict(maxAttempts: 10) {
            let object: AgentPod
            do {
                object = try await client.get(AgentPod.self, name: pod, namespace: namespace)
            } catch let error as KubeError where error.isNotFound {
                return .gone
            }
            guard object.metadata.uid == uid else { return .gone }
            let finalizers = object.metadata.finalizers ?? []
            guard finalizers.contains(C8SFinalizers.logs) else { return .unchanged }
            let patch: JSONValue = [
                "metadata": [
                    "resourceVersion": .string(object.metadata.resourceVersion ?? ""),
                    "finalizers": .array(finalizers.filter { $0 != C8SFinalizers.logs }.map { .string($0) }),
                ]
            ]
            do {
                _ = try await client.patch(AgentPod.self, name: pod, namespace: namespace, .merge(patch))
            } catch let error as KubeError where error.isNotFound {
                return .gone
            }
            return .written
        }
    }
}
