import C8SKube
import C8SLogs
import C8SService
import Hummingbird
import Logging
import ServiceLifecycle

/// The node agent's long-running parts, ready to run in one `ServiceGroup`: the ``AgentController`` (watches the
/// node's step Pods and ships their logs) and the HTTP server (live follow, health, metrics). Build it with
/// ``buildAgent(configuration:client:store:logger:metrics:onServerRunning:)``.
public struct Agent: Sendable {
    /// Watches Pods and runs the shippers.
    public let controller: AgentController
    /// The HTTP server.
    public let http: any Service
    /// The agent's metrics (also served on `/metrics`).
    public let metrics: AgentMetrics
    /// Every service, in start order. A `ServiceGroup` shuts services down in reverse order: the controller
    /// first (shippers store and commit; the tailer stops, which ends open live streams), then the HTTP server,
    /// which waits for its open responses.
    public var services: [any Service] { [http, controller] }

    /// Runs every service until SIGTERM or SIGINT (graceful shutdown: shippers store and commit what they read),
    /// with ``ServiceBootstrap/run(_:logger:)``.
    public func run(logger: Logger) async throws {
        try await ServiceBootstrap.run(services, logger: logger)
    }
}

/// Builds the whole node agent, as `c8s-agent` runs it: an ``AgentController`` shipping the logs of the step Pods of
/// `configuration.nodeName` into `store`, and a Hummingbird server (``ServiceBootstrap``) on `httpHost:httpPort` with
///
/// - `GET /v1/live/{namespace}/{pod}/{container}?from=<line>`: the container's lines from line `from` (0-based,
///   default 0) as NDJSON (`NumberedLogRecord.jsonLine()`, masked), streamed as they are written, ending once the
///   container finished and every line was sent; 404 with a message for a container this agent does not follow
///   (or whose log has not appeared yet); 400 for a bad `from`.
/// - `GET /healthz` (alive), `GET /readyz` (the Pod informers have synced), `GET /metrics` (Prometheus text).
///
/// `onServerRunning` reports the bound port (after which Pods get their `c8s.dev/agent-url` annotation).
public func buildAgent(
    configuration: AgentConfiguration, client: KubeClient, store: any LogStore, logger: Logger,
    metrics: AgentMetrics = AgentMetrics(),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> Agent {
    let live = LiveRegistry()
    let advertised = AdvertisedURL()
    let controller = AgentController(
        configuration: configuration, client: client, store: ProgressTrackingStore(base: store, metrics: metrics),
        metrics: metrics, live: live, advertisedURL: advertised, logger: logger)

    let bootstrap = ServiceBootstrap(
        host: configuration.httpHost, port: configuration.httpPort, isReady: { controller.isReady },
        metrics: { metrics.render() })
    let router = bootstrap.router()
    LiveRoutes(registry: live, logger: logger).register(on: router)
    let app = bootstrap.server(router: router, logger: logger) { port in
        advertised.set(configuration.advertisedURL(boundPort: port))
        await onServerRunning(port)
    }
    return Agent(controller: controller, http: app, metrics: metrics)
}
