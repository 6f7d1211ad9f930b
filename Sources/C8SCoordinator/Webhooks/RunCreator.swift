import C8SCore
import Crypto

/// Everything needed to create the run(s) for one triggering delivery.
public struct RunRequest: Sendable, Hashable {
    public var connection: ConnectedRepository
    public var event: ForgeEvent
    /// The pipeline as read when the delivery arrived (the run's snapshot).
    public var pipeline: PipelineSpec
    /// Steps to run and steps skipped by `when`. The run must carry this: its `PipelineRun` has no
    /// changed-path list, so re-evaluating `when.paths` later would pass every path condition.
    public var plan: TriggerPlan
    /// Deterministic name derived from the connection and the delivery id (see ``RunNaming``):
    /// creating a run under this name twice must fail with AlreadyExists, which is how a
    /// redelivered webhook is recognised even across coordinator restarts.
    public var runName: String

    public init(
        connection: ConnectedRepository, event: ForgeEvent, pipeline: PipelineSpec, plan: TriggerPlan,
        runName: String
    ) {
        self.connection = connection
        self.event = event
        self.pipeline = pipeline
        self.plan = plan
        self.runName = runName
    }
}

/// The outcome of ``RunCreator/createRuns(_:)``.
public enum RunCreationResult: Sendable, Hashable {
    /// The runs now exist, named.
    case created([String])
    /// This delivery was seen before; the runs it created then, if known.
    case duplicate([String])
}

/// Creates `PipelineRun`s for a triggering delivery, idempotently.
///
/// Implementations must key creation on ``RunRequest/runName`` so that the same delivery never
/// creates a second run: the Kubernetes implementation creates the `PipelineRun` under that name
/// (matrix children as `<runName>-<index>`) and answers ``RunCreationResult/duplicate(_:)`` on
/// AlreadyExists.
public protocol RunCreator: Sendable {
    func createRuns(_ request: RunRequest) async throws -> RunCreationResult
}

/// Deterministic, DNS-1123-label run names from a delivery.
public enum RunNaming {
    /// `<config>-<16 hex digits>`: the config name (lower-cased, other characters → `-`, cut to
    /// 46 characters) and a SHA-256 digest of provider, connection and delivery id. At most 63
    /// characters, so it also fits in a label value and leaves no room for a collision in practice.
    public static func runName(connection: ConnectedRepository, deliveryID: String) -> String {
        let seed = "\(connection.provider.rawValue)\u{0}\(connection.namespace)/\(connection.name)\u{0}\(deliveryID)"
        let digest = WebhookSignature.encodeHex(Array(SHA256.hash(data: Array(seed.utf8)))).prefix(16)
        var base = String(
            connection.pipelineConfigRef.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "-" }
        )
        base = String(base.prefix(46))
        while base.hasPrefix("-") { base.removeFirst() }
        while base.hasSuffix("-") { base.removeLast() }
        return base.isEmpty ? "run-\(digest)" : "\(base)-\(digest)"
    }
}
