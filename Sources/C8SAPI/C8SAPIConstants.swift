/// The API group and version of c8s's resources.
public enum C8SGroup {
    public static let name = "c8s.dev"
    public static let version = "v1alpha1"
    public static let apiVersion = "c8s.dev/v1alpha1"
}

/// Labels c8s puts on the objects it creates.
public enum C8SLabels {
    /// On Jobs and Pods: the PipelineRun they belong to.
    public static let pipelineRun = "c8s.dev/pipeline-run"
    /// On Jobs and Pods: the step name.
    public static let step = "c8s.dev/step"
    /// On PipelineRuns, Jobs and Pods: the PipelineConfig.
    public static let pipelineConfig = "c8s.dev/pipeline-config"
    /// On PipelineRuns: the scheduling priority.
    public static let priority = "c8s.dev/priority"
    /// On the PipelineRuns of one matrix: the run that fanned them out.
    public static let matrixParent = "c8s.dev/matrix-parent"
}

/// Annotations c8s puts on the objects it creates or watches.
public enum C8SAnnotations {
    /// On step Pods, set by the node agent that ships their logs: the agent's base URL
    /// (`http://<pod IP>:<port>`), where the coordinator follows the live log
    /// (`GET /v1/live/<namespace>/<pod>/<container>?from=<line>`, NDJSON of `NumberedLogRecord`).
    public static let agentURL = "c8s.dev/agent-url"
}

/// Finalizers c8s holds.
public enum C8SFinalizers {
    /// On PipelineRuns: the coordinator cleans up Jobs and log state before the run goes away.
    public static let cleanup = "c8s.dev/cleanup"
    /// On step Pods: the node agent has not stored the last log chunk and index yet.
    public static let logs = "c8s.dev/logs"
}

/// A reference to an object in the same namespace.
public struct LocalObjectReference: Codable, Sendable, Hashable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// A key of a Secret in the same namespace.
public struct SecretKeyReference: Codable, Sendable, Hashable {
    public var name: String
    /// The key within the Secret (the CRD defaults it).
    public var key: String?
    public init(name: String, key: String? = nil) {
        self.name = name
        self.key = key
    }
}
