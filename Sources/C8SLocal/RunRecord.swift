import C8SCore
import Foundation

/// What `.c8s/runs/RUN-ID/run.json` holds about one local run.
public struct RunRecord: Codable, Sendable, Hashable {
    /// Run id (`20261125-001502-3fa9`): sorts by start time.
    public var id: String
    /// The pipeline file the run came from.
    public var file: String
    /// Current or final phase.
    public var phase: RunPhase
    /// Wall-clock start.
    public var startTime: Date
    /// Wall-clock end, once final.
    public var endTime: Date?
    /// The matrix combinations the run executes.
    public var combinations: [MatrixCombination]
    /// One entry per step and combination, in pipeline order.
    public var steps: [StepRecord]
    /// The `c8s` process running the run (while it is not final). A later `c8s` command that finds the run not
    /// final and its owner gone marks it interrupted (see ``RunRecovery``).
    public var owner: RunOwner?
    /// The run's temporary workspace directory, removed at the end of the run or by the recovery.
    public var workspace: String?
    /// Why a `Failed` run failed when no step explains it: ``RunRecord/interrupted`` for a run whose `c8s` process
    /// died before the run ended.
    public var reason: String?

    /// The reason of a run whose `c8s` process ended (killed, crashed, the machine stopped) before the run did.
    public static let interrupted = "Interrupted"

    /// What `c8s get runs --local` shows as the run's status: its phase, or `Interrupted`.
    public var status: String {
        reason == Self.interrupted ? Self.interrupted : phase.rawValue
    }

    public init(
        id: String,
        file: String,
        phase: RunPhase,
        startTime: Date,
        endTime: Date? = nil,
        combinations: [MatrixCombination],
        steps: [StepRecord]
    ) {
        self.id = id
        self.file = file
        self.phase = phase
        self.startTime = startTime
        self.endTime = endTime
        self.combinations = combinations
        self.steps = steps
    }
}

/// One step (of one matrix combination) of a local run.
public struct StepRecord: Codable, Sendable, Hashable {
    /// Unique key within the run: the step name, plus `[axis=value,…]` when the run has several combinations.
    public var key: String
    /// The step's name in the pipeline.
    public var name: String
    /// The matrix values of the step's combination.
    public var matrix: MatrixCombination
    /// Current or final phase.
    public var phase: StepPhase
    /// Exit status of the step's shell (128 + signal number when killed by a signal).
    public var exitCode: Int32?
    /// Wall-clock start.
    public var startTime: Date?
    /// Wall-clock end.
    public var endTime: Date?
    /// Why the step was skipped, cancelled or failed without running, or that it timed out.
    public var message: String?
    /// Artifact paths copied into the record (relative to the step's `artifacts` directory).
    public var artifacts: [String]
    /// Copied artifacts that contain a secret value (any form): path → secret names (never values). They are
    /// kept byte for byte; the run reported them.
    public var secretsInArtifacts: [String: [String]]?
    /// Whether the step has `allowFailure` (nil: it does not): its failure does not fail the run.
    public var allowFailure: Bool?

    /// `Failed (allowed)` for an allowed failure, else the phase.
    public var status: String {
        phase == .failed && allowFailure == true ? "Failed (allowed)" : phase.rawValue
    }

    public init(
        key: String,
        name: String,
        matrix: MatrixCombination,
        phase: StepPhase = .pending,
        exitCode: Int32? = nil,
        startTime: Date? = nil,
        endTime: Date? = nil,
        message: String? = nil,
        artifacts: [String] = []
    ) {
        self.key = key
        self.name = name
        self.matrix = matrix
        self.phase = phase
        self.exitCode = exitCode
        self.startTime = startTime
        self.endTime = endTime
        self.message = message
        self.artifacts = artifacts
    }

    /// Duration in seconds, once started.
    public var duration: Double? {
        guard let startTime else { return nil }
        return (endTime ?? Date()).timeIntervalSince(startTime)
    }
}
