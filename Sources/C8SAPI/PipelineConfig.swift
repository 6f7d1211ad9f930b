import C8SCore
import C8SKube

/// A pipeline definition: the `.c8s.yaml` of a repository as a resource (`spec` is C8SCore's `PipelineSpec`).
public struct PipelineConfig: KubeResource, Hashable {
    public static let apiVersion = C8SGroup.apiVersion
    public static let kind = "PipelineConfig"
    public static let plural = "pipelineconfigs"
    public static let namespaced = true

    /// What the coordinator reports about the runs of this pipeline.
    public struct Status: Codable, Sendable, Hashable {
        /// The name of the most recent PipelineRun.
        public var lastRun: String?
        public var totalRuns: Int64?
        /// The share of finished runs that succeeded, e.g. `87.5%`.
        public var successRate: String?
        public var observedGeneration: Int64?

        public init(lastRun: String? = nil, totalRuns: Int64? = nil, successRate: String? = nil) {
            self.lastRun = lastRun
            self.totalRuns = totalRuns
            self.successRate = successRate
        }
    }

    public var metadata: ObjectMeta
    public var spec: PipelineSpec
    public var status: Status?
    public var unknownFields = UnknownFields()

    public init(metadata: ObjectMeta, spec: PipelineSpec, status: Status? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    private enum CodingKeys: String, CodingKey { case metadata, spec, status }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try container.decode(ObjectMeta.self, forKey: .metadata)
        spec = try container.decodeIfPresent(PipelineSpec.self, forKey: .spec) ?? PipelineSpec()
        status = try container.decodeIfPresent(Status.self, forKey: .status)
    }

    /// The spec is written whole (as plain JSON): the pipeline model knows every field the CRD allows, and
    /// fields it leaves out when empty must disappear from the stored object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(metadata, forKey: .metadata)
        try container.encode(JSONValue(encoding: spec), forKey: .spec)
        try container.encodeIfPresent(status, forKey: .status)
    }
}
