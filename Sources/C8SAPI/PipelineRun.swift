import C8SCore
import C8SKube

/// One execution of a PipelineConfig for a commit (one matrix combination).
public struct PipelineRun: KubeResource, Hashable {
    public static let apiVersion = C8SGroup.apiVersion
    public static let kind = "PipelineRun"
    public static let plural = "pipelineruns"
    public static let namespaced = true

    /// What triggered a run.
    public enum Event: String, Codable, Sendable, Hashable {
        case push
        case pullRequest = "pull_request"
        case tag
        case manual
    }

    /// What to run.
    public struct Spec: Codable, Sendable, Hashable {
        public var pipelineConfigRef: LocalObjectReference
        public var commit: String?
        public var branch: String?
        public var event: Event?
        /// Who or what started the run (a forge user, `webhook`, a CLI user).
        public var triggeredBy: String?
        public var triggeredAt: KubeTime?
        /// The matrix values of this run (axis → value).
        public var matrix: [String: String]?
        public var matrixIndex: Int?
        /// Set to true to cancel the run.
        public var cancel: Bool?

        public init(
            pipelineConfigRef: LocalObjectReference, commit: String? = nil, branch: String? = nil,
            event: Event? = nil, triggeredBy: String? = nil, triggeredAt: KubeTime? = nil,
            matrix: [String: String]? = nil, matrixIndex: Int? = nil, cancel: Bool? = nil
        ) {
            self.pipelineConfigRef = pipelineConfigRef
            self.commit = commit
            self.branch = branch
            self.event = event
            self.triggeredBy = triggeredBy
            self.triggeredAt = triggeredAt
            self.matrix = matrix
            self.matrixIndex = matrixIndex
            self.cancel = cancel
        }
    }

    /// The phase of a run: the planner's ``C8SCore/RunPhase``.
    public typealias Phase = RunPhase

    /// The phase of a step: the planner's ``C8SCore/StepPhase``.
    public typealias StepPhase = C8SCore.StepPhase

    /// What the log store holds of a step's log.
    public struct LogSummary: Codable, Sendable, Hashable {
        public var bytes: Int64?
        public var lines: Int64?
        public var chunks: Int64?
        /// True once the last chunk and the index are stored.
        public var complete: Bool?

        public init(bytes: Int64? = nil, lines: Int64? = nil, chunks: Int64? = nil, complete: Bool? = nil) {
            self.bytes = bytes
            self.lines = lines
            self.chunks = chunks
            self.complete = complete
        }
    }

    /// The state of one step.
    public struct StepStatus: Codable, Sendable, Hashable {
        public var name: String
        public var phase: StepPhase?
        public var jobName: String?
        public var podName: String?
        public var nodeName: String?
        public var startTime: KubeTime?
        public var completionTime: KubeTime?
        public var exitCode: Int32?
        public var reason: String?
        public var message: String?
        public var logURL: String?
        public var logs: LogSummary?
        public var artifactURLs: [String]?

        public init(name: String, phase: StepPhase? = nil) {
            self.name = name
            self.phase = phase
        }
    }

    /// The state of the run.
    public struct Status: Codable, Sendable, Hashable {
        public var phase: Phase?
        public var startTime: KubeTime?
        public var completionTime: KubeTime?
        public var message: String?
        public var observedGeneration: Int64?
        public var conditions: [Condition]?
        /// The pipeline this run executes, copied when it started: later config edits never change it.
        public var resolvedSpec: PipelineSpec?
        public var steps: [StepStatus]?

        public init(phase: Phase? = nil) { self.phase = phase }

        private enum CodingKeys: String, CodingKey {
            case phase, startTime, completionTime, message, observedGeneration, conditions, resolvedSpec, steps
        }

        /// `resolvedSpec` is written whole (a snapshot), the rest field by field.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(phase, forKey: .phase)
            try container.encodeIfPresent(startTime, forKey: .startTime)
            try container.encodeIfPresent(completionTime, forKey: .completionTime)
            try container.encodeIfPresent(message, forKey: .message)
            try container.encodeIfPresent(observedGeneration, forKey: .observedGeneration)
            try container.encodeIfPresent(conditions, forKey: .conditions)
            try container.encodeIfPresent(resolvedSpec.map { try JSONValue(encoding: $0) }, forKey: .resolvedSpec)
            try container.encodeIfPresent(steps, forKey: .steps)
        }

        /// The status of a step by name.
        public subscript(step name: String) -> StepStatus? {
            steps?.first { $0.name == name }
        }
    }

    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?
    public var unknownFields = UnknownFields()

    public init(metadata: ObjectMeta, spec: Spec, status: Status? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}
