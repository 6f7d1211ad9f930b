/// One step of a pipeline: a list of shell commands run in one container (or, in local mode, one process group).
///
/// A step starts as soon as every step in ``dependsOn`` has succeeded. Empty collections and a `false`
/// ``allowFailure`` are omitted from the JSON encoding.
public struct PipelineStep: Codable, Sendable, Hashable {
    /// DNS-1123 label, unique within the pipeline.
    public var name: String
    /// Container image; may use `${{ matrix.NAME }}`. Not used in local mode.
    public var image: String?
    /// Shell commands, run in order with `sh -e -c`; may use `${{ matrix.NAME }}`.
    public var commands: [String]
    /// Names of the steps that must succeed before this one starts.
    public var dependsOn: [String]
    /// Limit for this step.
    public var timeout: PipelineDuration?
    /// Kubernetes resource requests and limits of the step container.
    public var resources: ResourceRequirements?
    /// Environment variables of this step (override the pipeline's `env`); values may use `${{ matrix.NAME }}`.
    public var env: [String: String]
    /// Secrets exposed to the step as environment variables.
    public var secrets: [SecretReference]
    /// Paths or glob patterns, relative to the step workspace, kept after the step ends.
    public var artifacts: [String]
    /// Condition under which the step runs at all.
    public var when: WhenCondition?
    /// When `true`, a failure of this step neither fails the run nor skips its dependents
    /// (like GitHub Actions' `continue-on-error`).
    public var allowFailure: Bool

    public init(
        name: String,
        image: String? = nil,
        commands: [String] = [],
        dependsOn: [String] = [],
        timeout: PipelineDuration? = nil,
        resources: ResourceRequirements? = nil,
        env: [String: String] = [:],
        secrets: [SecretReference] = [],
        artifacts: [String] = [],
        when: WhenCondition? = nil,
        allowFailure: Bool = false
    ) {
        self.name = name
        self.image = image
        self.commands = commands
        self.dependsOn = dependsOn
        self.timeout = timeout
        self.resources = resources
        self.env = env
        self.secrets = secrets
        self.artifacts = artifacts
        self.when = when
        self.allowFailure = allowFailure
    }

    private enum CodingKeys: String, CodingKey {
        case name, image, commands, dependsOn, timeout, resources, env, secrets, artifacts, when, allowFailure
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        image = try container.decodeIfPresent(String.self, forKey: .image)
        commands = try container.decodeIfPresent([String].self, forKey: .commands) ?? []
        dependsOn = try container.decodeIfPresent([String].self, forKey: .dependsOn) ?? []
        timeout = try container.decodeIfPresent(PipelineDuration.self, forKey: .timeout)
        resources = try container.decodeIfPresent(ResourceRequirements.self, forKey: .resources)
        env = try container.decodeIfPresent([String: String].self, forKey: .env) ?? [:]
        secrets = try container.decodeIfPresent([SecretReference].self, forKey: .secrets) ?? []
        artifacts = try container.decodeIfPresent([String].self, forKey: .artifacts) ?? []
        when = try container.decodeIfPresent(WhenCondition.self, forKey: .when)
        allowFailure = try container.decodeIfPresent(Bool.self, forKey: .allowFailure) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(image, forKey: .image)
        try container.encode(commands, forKey: .commands)
        if !dependsOn.isEmpty { try container.encode(dependsOn, forKey: .dependsOn) }
        try container.encodeIfPresent(timeout, forKey: .timeout)
        try container.encodeIfPresent(resources, forKey: .resources)
        if !env.isEmpty { try container.encode(env, forKey: .env) }
        if !secrets.isEmpty { try container.encode(secrets, forKey: .secrets) }
        if !artifacts.isEmpty { try container.encode(artifacts, forKey: .artifacts) }
        try container.encodeIfPresent(when, forKey: .when)
        if allowFailure { try container.encode(true, forKey: .allowFailure) }
    }
}
