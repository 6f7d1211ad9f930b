import C8SCore

/// Which commit status a run needs reported next, from its phase and what was already reported (the
/// `c8s.dev/commit-status` annotation): one report when the run is Pending or Running (whichever is seen first),
/// one when it ends. Pure, so a requeue or a restarted coordinator reports nothing twice.
public enum CommitStatusProgress {
    /// The annotation on a PipelineRun naming the last phase reported to its forge.
    public static let annotation = "c8s.dev/commit-status"
    /// On a RepositoryConnection: the forge API base URL, overriding the one derived from the repository URL
    /// (GitHub Enterprise behind a proxy, a self-hosted Bitbucket under a path).
    public static let apiURLAnnotation = "c8s.dev/forge-api-url"

    /// The phase to report, or nil when nothing is due.
    public static func next(phase: RunPhase?, reported: String?) -> CommitStatusPhase? {
        guard let phase else { return nil }
        let last = reported.flatMap(CommitStatusPhase.init(rawValue:))
        if phase.isTerminal {
            let final = CommitStatusPhase(phase)
            return last == final ? nil : final
        }
        return last == nil ? CommitStatusPhase(phase) : nil
    }
}
