import C8SLogs

/// Everything the node agent is configured with. `c8s-agent` maps its flags and environment onto it in one place,
/// ``init(settings:)``, reading the keys of ``settingKeys``; every default is the initial value below.
///
/// Keys (property: flag / environment variable):
/// - `nodeName`: `--node-name` / `NODE_NAME`: the node whose step Pods this agent ships (`spec.nodeName`);
///   required.
/// - `logRoot`: `--log-root` / `C8S_LOG_ROOT`: where the container runtime writes Pod logs (default
///   `/var/log/pods`); a container's log directory is `<logRoot>/<namespace>_<pod>_<uid>/<container>/`.
/// - `stateDirectory`: `--state-dir` / `C8S_STATE_DIR`: tailer checkpoints,
///   `<stateDirectory>/<podUID>/<container>.checkpoint` (default `/var/lib/c8s-agent`). Must survive agent
///   restarts (a hostPath).
/// - `logStoreURL`: `--log-store` / `C8S_LOG_STORE`: the store the logs go to, written as `status.steps[].logURL`
///   (``LogStoreURL/logURL(namespace:run:step:)``); required. S3 settings come from `C8S_S3_ENDPOINT`,
///   `C8S_S3_REGION`, AWS credentials or `C8S_S3_CREDENTIALS_DIR`, and `C8S_S3_SPOOL_DIR` (``S3Settings``).
/// - `namespaces`: `--namespace` (repeatable) / `C8S_NAMESPACES` (comma-separated): the namespaces whose Pods are
///   shipped; empty: every namespace.
/// - `httpHost`, `httpPort`: `--http-port` / `C8S_AGENT_PORT`: where `/v1/live/...`, `/healthz`, `/readyz` and
///   `/metrics` are served (default 0.0.0.0:8090; port 0 picks a free port).
/// - `advertiseURL`: `--advertise-url` / `C8S_AGENT_ADVERTISE_URL`: the base URL put into the Pod annotation
///   `c8s.dev/agent-url`; default `http://<advertiseHost>:<bound port>`.
/// - `advertiseHost`: `POD_IP`: the host of the default `advertiseURL`; default `httpHost`, or `127.0.0.1` when
///   that is a wildcard address.
/// - `statusInterval`: `--status-interval` / `C8S_STATUS_INTERVAL` (seconds): how often log progress is written
///   into the run's step status while a step runs (default 2 s).
/// - `shipper`: chunk size, age bound, zstd level and idle flush interval (``LogShipper/Configuration``; no flag).
/// - `tailer`: read buffer size, poll interval and decompression bound of the log tailer
///   (``LogTailer/Configuration``; no flag).
/// - `retryBackoff`, `maximumRetryBackoff`: the pause before an API call or a failed shipper is retried
///   (doubling from 500 ms up to 30 s; no flag).
/// - `directoryRecheckInterval`: how often a container that the Pod status shows started, but whose log directory
///   is not there yet, is looked for again (default 500 ms; no flag).
/// - The process keys of ``ProcessSettings/keys``: `--kubeconfig` / `KUBECONFIG`, `--in-cluster`, `--log-level` /
///   `C8S_LOG_LEVEL`.
public struct AgentConfiguration: Sendable {
    public var nodeName: String
    public var logRoot: String = "/var/log/pods"
    public var stateDirectory: String = "/var/lib/c8s-agent"
    public var logStoreURL: LogStoreURL
    public var namespaces: [String] = []
    public var httpHost: String = "0.0.0.0"
    public var httpPort: Int = 8090
    public var advertiseURL: String?
    public var advertiseHost: String?
    public var statusInterval: Duration = .seconds(2)
    public var shipper = LogShipper.Configuration()
    public var tailer = LogTailer.Configuration()
    public var retryBackoff: Duration = .milliseconds(500)
    public var maximumRetryBackoff: Duration = .seconds(30)
    public var directoryRecheckInterval: Duration = .milliseconds(500)

    public init(nodeName: String, logStoreURL: LogStoreURL) {
        self.nodeName = nodeName
        self.logStoreURL = logStoreURL
    }

    /// The base URL advertised to the coordinator once the server listens on `port`.
    func advertisedURL(boundPort port: Int) -> String {
        if let advertiseURL, !advertiseURL.isEmpty {
            var url = advertiseURL
            while url.hasSuffix("/") { url.removeLast() }
            return url
        }
        var host = advertiseHost ?? (httpHost == "0.0.0.0" || httpHost == "::" ? "127.0.0.1" : httpHost)
        if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
        return "http://\(host):\(port)"
    }
}
