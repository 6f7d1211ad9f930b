import C8SAPI

/// What `c8s cancel` did.
public enum CancelOutcome: Sendable, Hashable {
    /// `spec.cancel` is now true; the coordinator stops the run.
    case requested
    /// The run had already finished in this phase.
    case alreadyFinished(PipelineRun.Phase)
}
