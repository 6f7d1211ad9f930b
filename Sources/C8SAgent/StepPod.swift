import C8SAPI
import C8SKube

/// What the agent needs to know about one step Pod, read from the Pod object (pure).
///
/// A step Pod carries the labels `c8s.dev/pipeline-run` (the run) and `c8s.dev/step` (the step); each of its init
/// containers and containers writes its log under `<logRoot>/<namespace>_<pod>_<uid>/<container>/`.
struct StepPod: Sendable, Hashable {
    /// A container's state as the Pod status reports it.
    enum ContainerPhase: Sendable, Hashable {
        /// Not started (waiting, or not reported yet).
        case waiting
        case running
        /// Ended; its log is written to its end.
        case terminated
    }

    var namespace: String
    var name: String
    var uid: String
    var run: String
    var step: String
    /// Init containers, then containers, in spec order.
    var containers: [String]
    var phases: [String: ContainerPhase]
    /// The Pod phase is `Succeeded` or `Failed`: no container runs any more.
    var isTerminal: Bool
    var isDeleting: Bool
    var finalizers: [String]
    var agentURL: String?
    var secretReferences: [SecretKeyRef]

    /// Reads a Pod. Returns nil (with the reason) when it is not a step Pod the agent can ship.
    static func read(_ pod: AgentPod) -> Result<StepPod, StepPodError> {
        let metadata = pod.metadata
        guard let namespace = metadata.namespace, let name = metadata.name, let uid = metadata.uid else {
            return .failure(StepPodError("Pod without namespace, name or uid"))
        }
        let labels = metadata.labels ?? [:]
        guard let run = labels[C8SLabels.pipelineRun], !run.isEmpty else {
            return .failure(StepPodError("Pod \(namespace)/\(name) has no \(C8SLabels.pipelineRun) label"))
        }
        guard let step = labels[C8SLabels.step], !step.isEmpty else {
            return .failure(StepPodError("Pod \(namespace)/\(name) has no \(C8SLabels.step) label"))
        }
        let containers = ((pod.spec?["initContainers"]?.arrayValue ?? []) + (pod.spec?["containers"]?.arrayValue ?? []))
            .compactMap { $0["name"]?.stringValue }
        var phases: [String: ContainerPhase] = [:]
        for status in (pod.status?.initContainerStatuses ?? []) + (pod.status?.containerStatuses ?? []) {
            if status.state?.terminated != nil {
                phases[status.name] = .terminated
            } else if status.state?.running != nil {
                phases[status.name] = .running
            } else {
                phases[status.name] = .waiting
            }
        }
        let phase = pod.status?.phase
        return .success(
            StepPod(
                namespace: namespace, name: name, uid: uid, run: run, step: step, containers: containers,
                phases: phases, isTerminal: phase == "Succeeded" || phase == "Failed",
                isDeleting: metadata.deletionTimestamp != nil, finalizers: metadata.finalizers ?? [],
                agentURL: metadata.annotations?[C8SAnnotations.agentURL],
                secretReferences: SecretKeyRef.references(inPodSpec: pod.spec ?? [:])))
    }

    /// `<logRoot>/<namespace>_<pod>_<uid>`
    func podDirectory(logRoot: String) -> String {
        "\(logRoot)/\(namespace)_\(name)_\(uid)"
    }

    /// `<logRoot>/<namespace>_<pod>_<uid>/<container>`
    func containerDirectory(logRoot: String, container: String) -> String {
        "\(podDirectory(logRoot: logRoot))/\(container)"
    }

    func phase(of container: String) -> ContainerPhase { phases[container] ?? .waiting }

    /// Whether the container can write no more log lines: it terminated, or the whole Pod is terminal.
    func isFinished(_ container: String) -> Bool {
        isTerminal || phase(of: container) == .terminated
    }

    /// Whether the agent still holds its finalizer on the Pod.
    var holdsLogsFinalizer: Bool { finalizers.contains(C8SFinalizers.logs) }
}

/// Why a Pod is not a step Pod the agent ships.
struct StepPodError: Error, CustomStringConvertible, Sendable {
    var description: String
    init(_ description: String) { self.description = description }
}
