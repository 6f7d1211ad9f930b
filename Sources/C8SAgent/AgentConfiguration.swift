import C8SLogs

/// Everything the node agent is configured with; the `c8s-agent` executable maps its flags and environment onto it.
///
/// Keys:
/// - `nodeName`: the node whose step Pods this agent ships (`spec.nodeName`); required.
/// - `logRoot`: where the container runtime writes Pod logs (default `/var/log/pods`); a container's log directory
///   is `<logRoot>/<namespace>_<pod>_<uid>/<container>/`.
/// - `stateDirectory`: tailer checkpoints, `<stateDirectory>/<podUID>/<container>.checkpoint`
///   (default `/var/lib/c8s-agent`). Must survive agent restarts (a hostPath).
/// - `logStoreURL`: the store the logs go to, written as `status.steps[].logURL`
///   (``LogStoreURL/logURL(namespace:run:step:)``).
/// - `namespaces`: the namespaces whose Pods are shipped; empty: every namespace.
/// - `httpHost`, `httpPort`: where `/v1/live/...`, `/healthz`, `/readyz` and `/metrics` are served
///   (default 0.0.0.0:8090; port 0 picks a free port).
/// - `advertiseURL`: the base URL put into the Pod annotation `c8s.dev/agent-url`; default
///   `http://<advertiseHost>:<bound port>`.
/// - `advertiseHost`: the host of the default `advertiseURL` (the executable sets the Pod IP); default `httpHost`,
///   or `127.0.0.1` when that is a wildcard address.
/// - `statusInterval`: how often log progress is written into the run's step status while a step runs
///   (default 2 s).
/// - `shipper`: chunk size, age bound, zstd level and idle flush interval (``LogShipper/Configuration``).
/// - `tailer`: read buffer size and poll interval of the log tailer (``LogTailer/Configuration``).
/// - `retryBackoff`, `maximumRetryBackoff`: the pause before an API call or a failed shipper is retried
///   (doubling from 500 ms up to 30 s).
/// - `directoryRecheckInterval`: how often a container that the Pod status shows started, but whose log directory
///   is not there yet, is looked for again (default 500 ms).
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
