/// batch/v1 Job.
public struct Job: KubeResource, Hashable {
    public static let apiVersion = "batch/v1"
    public static let kind = "Job"
    public static let plural = "jobs"
    public static let namespaced = true

    public var metadata: ObjectMeta
    public var spec: JobSpec?
    public var status: JobStatus?
    public var unknownFields = UnknownFields()

    public init(metadata: ObjectMeta, spec: JobSpec? = nil, status: JobStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

/// batch/v1 JobSpec.
public struct JobSpec: Codable, Sendable, Hashable {
    public var template: PodTemplateSpec
    public var backoffLimit: Int32?
    public var activeDeadlineSeconds: Int64?
    public var ttlSecondsAfterFinished: Int32?
    public var completions: Int32?
    public var parallelism: Int32?
    public var suspend: Bool?
    /// Set by the API server (a label selector object).
    public var selector: JSONValue?
    public var podFailurePolicy: JSONValue?

    public init(
        template: PodTemplateSpec, backoffLimit: Int32? = nil, activeDeadlineSeconds: Int64? = nil,
        ttlSecondsAfterFinished: Int32? = nil
    ) {
        self.template = template
        self.backoffLimit = backoffLimit
        self.activeDeadlineSeconds = activeDeadlineSeconds
        self.ttlSecondsAfterFinished = ttlSecondsAfterFinished
    }
}

/// batch/v1 JobStatus.
public struct JobStatus: Codable, Sendable, Hashable {
    public var active: Int32?
    public var succeeded: Int32?
    public var failed: Int32?
    public var ready: Int32?
    public var startTime: KubeTime?
    public var completionTime: KubeTime?
    public var conditions: [JobCondition]?

    public init() {}
}

/// batch/v1 JobCondition (`Complete`, `Failed`, `Suspended`, `FailureTarget`, `SuccessCriteriaMet`).
public struct JobCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String
    public var reason: String?
    public var message: String?
    public var lastProbeTime: KubeTime?
    public var lastTransitionTime: KubeTime?

    public init(type: String, status: String, reason: String? = nil, message: String? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
    }
}

extension JobStatus {
    /// Whether the Job has a `Complete` condition that is `True`.
    public var isComplete: Bool { conditions?.contains { $0.type == "Complete" && $0.status == "True" } ?? false }
    /// Whether the Job has a `Failed` condition that is `True`.
    public var isFailed: Bool { conditions?.contains { $0.type == "Failed" && $0.status == "True" } ?? false }
}
