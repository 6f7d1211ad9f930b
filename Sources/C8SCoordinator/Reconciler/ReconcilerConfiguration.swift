/// How the PipelineRun reconciler builds Jobs and runs.
///
/// Keys:
/// - `namespace`: the namespace whose PipelineRuns are reconciled; nil reconciles every namespace.
/// - `jobTTLSecondsAfterFinished`: `ttlSecondsAfterFinished` of step Jobs (default 3600; nil keeps them).
/// - `cloneImage`: the image of the init container that clones the repository (default `alpine/git`).
/// - `workers`: runs reconciled at once (default 4).
/// - `component`: the name written as the source of Kubernetes Events (default `c8s-coordinator`).
/// - `resyncInterval`: how often an unfinished run is looked at again without any change (default 5 minutes).
/// - `commitStatus`: report run start and end to the forge of the run's RepositoryConnection (nil: never).
public struct ReconcilerConfiguration: Sendable {
    public var namespace: String?
    public var jobTTLSecondsAfterFinished: Int32?
    public var cloneImage: String
    public var workers: Int
    public var component: String
    public var resyncInterval: Duration
    public var commitStatus: CommitStatusConfiguration?

    public init(
        namespace: String? = nil, jobTTLSecondsAfterFinished: Int32? = 3600, cloneImage: String = "alpine/git",
        workers: Int = 4, component: String = "c8s-coordinator", resyncInterval: Duration = .seconds(300),
        commitStatus: CommitStatusConfiguration? = nil
    ) {
        self.commitStatus = commitStatus
        self.namespace = namespace
        self.jobTTLSecondsAfterFinished = jobTTLSecondsAfterFinished
        self.cloneImage = cloneImage
        self.workers = workers
        self.component = component
        self.resyncInterval = resyncInterval
    }
}
