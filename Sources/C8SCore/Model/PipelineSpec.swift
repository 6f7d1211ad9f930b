/// A whole pipeline file (`.c8s.yaml`), which is also the `spec` of the `PipelineConfig` resource.
///
/// The JSON encoding uses exactly the field names of the YAML file (`repository`, `branches`, `timeout`, `env`,
/// `matrix`, `steps`) and omits absent or empty optional fields, so the CRD schema and the Kubernetes client can
/// encode and decode it unchanged.
public struct PipelineSpec: Codable, Sendable, Hashable {
    /// Clone URL of the repository the pipeline belongs to; optional in local mode.
    public var repository: String?
    /// Branch glob patterns (`main`, `release/*`) that trigger a run; empty means every branch.
    public var branches: [String]
    /// Limit for the whole run.
    public var timeout: PipelineDuration?
    /// Environment variables given to every step (a step's own `env` wins).
    public var env: [String: String]
    /// Optional build matrix; each combination runs the whole pipeline once.
    public var matrix: MatrixSpec?
    /// The steps, in file order.
    public var steps: [PipelineStep]

    public init(
        repository: String? = nil,
        branches: [String] = [],
        timeout: PipelineDuration? = nil,
        env: [String: String] = [:],
        matrix: MatrixSpec? = nil,
        steps: [PipelineStep] = []
    ) {
        self.repository = repository
        self.branches = branches
        self.timeout = timeout
        self.env = env
        self.matrix = matrix
        self.steps = steps
    }

    private enum CodingKeys: String, CodingKey {
        case repository, branches, timeout, env, matrix, steps
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        repository = try container.decodeIfPresent(String.self, forKey: .repository)
        branches = try container.decodeIfPresent([String].self, forKey: .branches) ?? []
        timeout = try container.decodeIfPresent(PipelineDuration.self, forKey: .timeout)
        env = try container.decodeIfPresent([String: String].self, forKey: .env) ?? [:]
        matrix = try container.decodeIfPresent(MatrixSpec.self, forKey: .matrix)
        steps = try container.decodeIfPresent([PipelineStep].self, forKey: .steps) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(repository, forKey: .repository)
        if !branches.isEmpty { try container.encode(branches, forKey: .branches) }
        try container.encodeIfPresent(timeout, forKey: .timeout)
        if !env.isEmpty { try container.encode(env, forKey: .env) }
        try container.encodeIfPresent(matrix, forKey: .matrix)
        try container.encode(steps, forKey: .steps)
    }
}
