import C8SKube

/// Everything the coordinator process is configured with; the `c8s-coordinator` executable maps its flags and
/// environment onto it.
///
/// Keys:
/// - `namespaces`: the namespaces whose PipelineRuns are reconciled; empty watches every namespace.
/// - `leaderElection`: take part in Lease leader election before reconciling (default true).
/// - `leaseName`, `leaseNamespace`, `identity`: the Lease and this process's holder identity.
/// - `jobTTLSecondsAfterFinished`, `cloneImage`, `workers`: see ``ReconcilerConfiguration``.
/// - `httpHost`, `httpPort`: where `/healthz`, `/readyz`, `/metrics`, `/api/v1` (and the routes the caller adds) are
///   served (default 0.0.0.0:8080; port 0 picks a free port).
/// - `externalURL`: the coordinator's (or dashboard's) external base URL; commit statuses link to
///   `<externalURL>/runs/<namespace>/<run>` (default nil: no link).
/// - `commitStatus`: report run start and end to the forge of the run's RepositoryConnection when it has an
///   `authSecretRef` (default true); `commitStatusRetry` bounds one report.
public struct CoordinatorConfiguration: Sendable {
    public var namespaces: [String] = []
    public var leaderElection = true
    public var leaseName = "c8s-coordinator"
    public var leaseNamespace = "default"
    public var identity = "c8s-coordinator"
    public var jobTTLSecondsAfterFinished: Int32? = 3600
    public var cloneImage = "alpine/git"
    public var workers = 4
    public var httpHost = "0.0.0.0"
    public var httpPort = 8080
    public var externalURL: String?
    public var commitStatus = true
    public var commitStatusRetry = CommitStatusReporter.RetryPolicy()

    public init() {}

    /// The reconciler configuration for one namespace (nil: all).
    public func reconciler(namespace: String?) -> ReconcilerConfiguration {
        ReconcilerConfiguration(
            namespace: namespace, jobTTLSecondsAfterFinished: jobTTLSecondsAfterFinished, cloneImage: cloneImage,
            workers: workers,
            commitStatus: commitStatus
                ? CommitStatusConfiguration(externalURL: externalURL, retryPolicy: commitStatusRetry) : nil)
    }
}
