import C8SCore

/// The state of a run as reported to a forge, mapped per forge by ``ForgeStatusState``: a run's phase, plus
/// `error` for a run c8s could not execute at all.
public enum CommitStatusPhase: String, Sendable, Hashable, CaseIterable {
    case pending = "Pending"
    case running = "Running"
    case succeeded = "Succeeded"
    case failed = "Failed"
    case cancelled = "Cancelled"
    /// c8s itself could not run the pipeline (bad config, Job creation refused).
    case error = "Error"

    /// The forge-facing phase of a run in `phase`.
    public init(_ phase: RunPhase) {
        switch phase {
        case .pending: self = .pending
        case .running: self = .running
        case .succeeded: self = .succeeded
        case .failed: self = .failed
        case .cancelled: self = .cancelled
        }
    }
}

/// Maps a ``CommitStatusPhase`` to each forge's status vocabulary.
///
/// | phase | GitHub | GitLab | Bitbucket Cloud | Bitbucket DC | Gitea/Forgejo |
/// | --- | --- | --- | --- | --- | --- |
/// | Pending | pending | pending | INPROGRESS | INPROGRESS | pending |
/// | Running | pending | running | INPROGRESS | INPROGRESS | pending |
/// | Succeeded | success | success | SUCCESSFUL | SUCCESSFUL | success |
/// | Failed | failure | failed | FAILED | FAILED | failure |
/// | Cancelled | error | canceled | STOPPED | FAILED | error |
/// | Error | error | failed | FAILED | FAILED | error |
///
/// GitHub and Gitea statuses have no running or cancelled state; Bitbucket Data Center's
/// build-status 1.0 API knows only INPROGRESS, SUCCESSFUL and FAILED.
public enum ForgeStatusState {
    public static func state(for phase: CommitStatusPhase, provider: ForgeProvider) -> String {
        switch provider {
        case .github, .gitea:
            switch phase {
            case .pending, .running: "pending"
            case .succeeded: "success"
            case .failed: "failure"
            case .cancelled, .error: "error"
            }
        case .gitlab:
            switch phase {
            case .pending: "pending"
            case .running: "running"
            case .succeeded: "success"
            case .failed, .error: "failed"
            case .cancelled: "canceled"
            }
        case .bitbucketCloud, .bitbucketDataCenter:
            switch phase {
            case .pending, .running: "INPROGRESS"
            case .succeeded: "SUCCESSFUL"
            case .failed, .error: "FAILED"
            case .cancelled: provider == .bitbucketCloud ? "STOPPED" : "FAILED"
            }
        }
    }

    /// A default description for a phase.
    public static func description(for phase: CommitStatusPhase) -> String {
        switch phase {
        case .pending: "Run queued"
        case .running: "Run in progress"
        case .succeeded: "Run succeeded"
        case .failed: "Run failed"
        case .cancelled: "Run cancelled"
        case .error: "Run could not be executed"
        }
    }
}
