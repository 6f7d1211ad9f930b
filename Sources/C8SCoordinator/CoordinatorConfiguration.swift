import C8SKube
import C8SLogs

/// Everything the coordinator process is configured with. `c8s-coordinator` maps its flags and environment onto it
/// in one place, ``init(settings:hostName:)``, reading the keys of ``settingKeys``; every default
/// is the initial value below.
///
/// Keys (property: flag / environment variable):
/// - `namespaces`: `--namespace` (repeatable) / `C8S_NAMESPACES` (comma-separated): the namespaces whose
///   PipelineRuns are reconciled and whose RepositoryConnections the webhooks read; empty watches every namespace.
/// - `leaderElection`: `--[no-]leader-elect` / `C8S_LEADER_ELECT`: take part in Lease leader election before
///   reconciling (default true).
/// - `leaseName`: `--lease-name` / `C8S_LEASE_NAME` (default `c8s-coordinator`); `leaseNamespace`:
///   `--lease-namespace` / `C8S_LEASE_NAMESPACE` (default nil: the API client's namespace); `identity`: `--identity` /
///   `POD_NAME` (default: the host name): the Lease and this process's holder identity.
/// - `jobTTLSecondsAfterFinished`: `--job-ttl-seconds` / `C8S_JOB_TTL_SECONDS` (default 3600; 0 disables);
///   `cloneImage`: `--clone-image` / `C8S_CLONE_IMAGE` (default `alpine/git`); `workers`: `--workers` /
///   `C8S_WORKERS` (default 4, at least 1): see ``ReconcilerConfiguration``.
/// - `httpHost`, `httpPort`: `--http-port` / `C8S_HTTP_PORT`: where `/healthz`, `/readyz`, `/metrics`, `/api/v1`,
///   `/webhooks` (and the routes the caller adds) are served (default 0.0.0.0:8080; port 0 picks a free port).
/// - `logStoreURL`: `--log-store` / `C8S_LOG_STORE`: where step logs are read, `s3://BUCKET/PREFIX` (S3 settings
///   from `C8S_S3_ENDPOINT`, `C8S_S3_REGION`, AWS credentials) or `file:///PATH`; nil: the log endpoint answers
///   503.
/// - `externalURL`: `--external-url` / `C8S_EXTERNAL_URL`: the coordinator's (or dashboard's) external base URL;
///   commit statuses link to `<externalURL>/runs/<namespace>/<run>` (default nil: no link).
/// - `commitStatus`: `--[no-]commit-status` / `C8S_COMMIT_STATUS`: report run start and end to the forge of the
///   run's RepositoryConnection when it has an `authSecretRef` (default true); `commitStatusRetry` bounds one
///   report.
/// - `webhooks`: serve the forge webhooks under `/webhooks` (default true; no flag).
/// - `admission`: serve the validating admission webhook over HTTPS on its own port, from every replica
///   (`--[no-]admission` / `C8S_ADMISSION`, default nil: off); its keys are listed at ``AdmissionConfiguration``.
/// - The process keys of ``ProcessSettings/keys``: `--kubeconfig` / `KUBECONFIG`, `--in-cluster`, `--log-level` /
///   `C8S_LOG_LEVEL`.
public struct CoordinatorConfiguration: Sendable {
    public var namespaces: [String] = []
    public var leaderElection = true
    public var leaseName = "c8s-coordinator"
    public var leaseNamespace: String?
    public var identity = "c8s-coordinator"
    public var jobTTLSecondsAfterFinished: Int32? = 3600
    public var cloneImage = "alpine/git"
    public var workers = 4
    public var httpHost = "0.0.0.0"
    public var httpPort = 8080
    public var logStoreURL: LogStoreURL?
    public var externalURL: String?
    public var commitStatus = true
    public var commitStatusRetry = CommitStatusReporter.RetryPolicy()
    public var webhooks = true
    public var admission: AdmissionConfiguration?

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
