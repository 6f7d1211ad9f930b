extension CommitStatus {
    /// The status of the run `event` triggered: its commit, and its branch (a pull request's head
    /// branch) as GitLab's `ref`. `nil` when the event names no commit.
    public init?(
        event: ForgeEvent, pipelineName: String, phase: CommitStatusPhase, targetURL: String? = nil,
        description: String? = nil
    ) {
        guard let sha = event.commitSHA else { return nil }
        self.init(
            commitSHA: sha, ref: event.branch, phase: phase, targetURL: targetURL, description: description,
            pipelineName: pipelineName)
    }
}
