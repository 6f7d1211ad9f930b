import AsyncHTTPClient
import C8SAPI
import C8SKube
import C8SLogs
import Logging

/// The live log of a step container, from the node agent that ships it: each ``records(from:)`` reads the run's
/// step Pod afresh (the Pod, and the agent's `c8s.dev/agent-url` annotation on it, may appear after the follow began)
/// and streams from that agent with ``AgentLiveLogSource``. No Pod or no annotation: an empty stream (the follow
/// reads the store).
struct StepPodLiveSource: LiveLogSource {
    let client: KubeClient
    let httpClient: HTTPClient
    let namespace: String
    let run: String
    let step: String
    let container: String
    let logger: Logger

    func records(from lineNumber: Int64) async throws -> AsyncThrowingStream<NumberedLogRecord, any Error> {
        guard let pod = try await stepPod(), let agent = pod.metadata.annotations?[C8SAnnotations.agentURL],
            !agent.isEmpty
        else { return AsyncThrowingStream { $0.finish() } }
        return try await AgentLiveLogSource(
            httpClient: httpClient, baseURL: agent, namespace: namespace, pod: pod.metadata.name ?? "",
            container: container, logger: logger
        ).records(from: lineNumber)
    }

    /// The step's Pod: the one the run's status names, else the newest Pod labelled with the run and step.
    func stepPod() async throws -> Pod? {
        let status = try await client.getIfPresent(PipelineRun.self, name: run, namespace: namespace)?.status
        if let name = status?[step: step]?.podName,
            let pod = try await client.getIfPresent(Pod.self, name: name, namespace: namespace)
        {
            return pod
        }
        let pods = try await client.list(
            Pod.self, namespace: namespace,
            options: ListOptions(labelSelector: "\(C8SLabels.pipelineRun)=\(run),\(C8SLabels.step)=\(step)")
        ).items
        let created = { (pod: Pod) in pod.metadata.creationTimestamp?.date ?? .distantPast }
        return pods.max { created($0) < created($1) }
    }
}
