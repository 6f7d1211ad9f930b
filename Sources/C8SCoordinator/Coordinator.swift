import AsyncHTTPClient
import C8SKube
import C8SService
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// The coordinator's long-running parts, ready to run in one `ServiceGroup`: the reconcilers (gated by leader
/// election) and the HTTP server with `/healthz`, `/readyz`, `/metrics`, the REST API and the webhooks. Build it with
/// `buildCoordinator(configuration:client:logger:...)`.
public struct Coordinator: Sendable {
    /// The reconcilers, one per watched namespace (one for all namespaces when none is named).
    public let reconcilers: [PipelineRunReconciler]
    /// The service running the reconcilers while this process leads.
    public let controller: CoordinatorController
    /// The HTTP server.
    public let http: any Service
    /// The informer caches of the dashboard and the run-change streams (nil without the REST API).
    public var runCache: RunCache?
    /// The HTTPS admission webhook (nil unless ``CoordinatorConfiguration/admission`` is set); not leader-gated.
    public var admission: AdmissionServer?
    /// The informer caches the webhook receiver reads (nil without webhooks); not leader-gated.
    public var triggers: TriggerCache?
    /// Every service, in start order.
    public var services: [any Service] {
        [controller] + (runCache.map { [$0] } ?? []) + (triggers.map { [$0] } ?? []) + (admission.map { [$0] } ?? [])
            + [http]
    }

    /// Runs every service until SIGTERM or SIGINT (graceful shutdown), with ``ServiceBootstrap/run(_:logger:)``.
    public func run(logger: Logger) async throws {
        try await ServiceBootstrap.run(services, logger: logger)
    }
}

/// Runs the reconcilers while this process holds the leader Lease (or always, without leader election).
public final class CoordinatorController: Service, Sendable {
    let reconcilers: [PipelineRunReconciler]
    let elector: LeaderElector?
    let logger: Logger
    private let started = Mutex(false)

    init(reconcilers: [PipelineRunReconciler], elector: LeaderElector?, logger: Logger) {
        self.reconcilers = reconcilers
        self.elector = elector
        self.logger = logger
    }

    /// Whether this process leads (always true without leader election).
    public var isLeader: Bool { elector?.isLeader ?? true }

    /// Ready: a follower is ready; a leader once its informers have synced.
    public var isReady: Bool {
        guard started.withLock({ $0 }) else { return false }
        return !isLeader || reconcilers.allSatisfy(\.hasSynced)
    }

    public func run() async throws {
        started.withLock { $0 = true }
        let reconcilers = self.reconcilers
        try await cancelWhenGracefulShutdown {
            let runAll: @Sendable () async throws -> Void = {
                try await withThrowingDiscardingTaskGroup { group in
                    for reconciler in reconcilers { group.addTask { try await reconciler.run() } }
                }
            }
            if let elector = self.elector {
                try await elector.run(
                    onNewLeader: { [logger = self.logger] leader in
                        logger.info("leader", metadata: ["lease.holder": "\(leader)"])
                    },
                    whileLeading: runAll)
            } else {
                try await runAll()
            }
        }
    }
}

/// Builds the whole coordinator, as `c8s-coordinator` runs it: one ``PipelineRunReconciler`` per watched namespace,
/// leader election on the configured Lease, and a Hummingbird server (``ServiceBootstrap``) with `/healthz` (the
/// process is alive), `/readyz` (a follower, or a leader whose informers have synced), `/version`
/// (unauthenticated), `/metrics` (when `registry` is given), the REST API under `/api/v1` (``CoordinatorAPI``,
/// unless `api.enabled` is false), the dashboard at `/` (unless `api.dashboard.enabled` is false; both read
/// runs from one ``RunCache``) and the forge webhooks under `/webhooks/{github,gitlab,bitbucket,gitea}`
/// (``WebhookRoutes/kubernetes(client:namespaces:configuration:logger:)``, unless `configuration.webhooks` is false).
/// With `configuration.admission`, an ``AdmissionServer`` serves the validating admission webhook over HTTPS on its
/// own port, from every replica, with the certificate it keeps in its Secret.
///
/// - Parameters:
///   - metrics: the reconciler metrics; default: made by a `PrometheusMetricsFactory` over `registry` when one is
///     given, else by the bootstrapped `MetricsSystem`. Nothing is bootstrapped here.
///   - api: REST API options, among them the log store the log endpoint reads.
///   - registry: the Prometheus registry `/metrics` serves (nil: no `/metrics`).
///   - httpClient: the client for forges (commit status) and node agents (live logs).
///   - routes: more endpoints on the same router.
///   - onServerRunning: reports the bound port.
///   - onAdmissionServerRunning: reports the bound port of the admission webhook.
public func buildCoordinator(
    configuration: CoordinatorConfiguration, client: KubeClient, logger: Logger,
    metrics: ReconcilerMetrics? = nil,
    api: CoordinatorAPIConfiguration = .init(),
    registry: PrometheusCollectorRegistry? = nil,
    httpClient: HTTPClient = .shared,
    routes: (Router<BasicRequestContext>) -> Void = { _ in },
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
    onAdmissionServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> Coordinator {
    let metrics =
        metrics ?? registry.map { ReconcilerMetrics(factory: PrometheusMetricsFactory(registry: $0)) }
        ?? ReconcilerMetrics()
    let namespaces: [String?] = configuration.namespaces.isEmpty ? [nil] : configuration.namespaces
    let reconcilers = namespaces.map { namespace in
        var reconcilerConfiguration = configuration.reconciler(namespace: namespace)
        reconcilerConfiguration.commitStatus?.httpClient = httpClient
        return PipelineRunReconciler(
            client: client, configuration: reconcilerConfiguration, metrics: metrics, logger: logger)
    }
    let elector =
        configuration.leaderElection
        ? LeaderElector(
            client: client,
            configuration: .init(
                leaseName: configuration.leaseName,
                namespace: configuration.leaseNamespace ?? client.configuration.namespace,
                identity: configuration.identity),
            logger: logger)
        : nil
    let controller = CoordinatorController(reconcilers: reconcilers, elector: elector, logger: logger)

    let bootstrap = ServiceBootstrap(
        host: configuration.httpHost, port: configuration.httpPort, isReady: { controller.isReady },
        metrics: registry.map { registry -> @Sendable () -> [UInt8] in { registry.emitToBuffer() } })
    let router = bootstrap.router()
    VersionEndpoint.register(on: router)
    var runCache: RunCache?
    if api.enabled {
        var coordinatorAPI = CoordinatorAPI(client: client, configuration: api, httpClient: httpClient, logger: logger)
        let cache = RunCache(
            client: client, namespaces: configuration.namespaces, maximumSubscribers: api.dashboard.maximumStreams,
            logger: logger)
        coordinatorAPI.runCache = cache
        runCache = cache
        coordinatorAPI.register(on: router)
        if api.dashboard.enabled { Dashboard(api: coordinatorAPI, cache: cache, logger: logger).register(on: router) }
    }
    var triggers: TriggerCache?
    if configuration.webhooks {
        let cache = TriggerCache(client: client, namespaces: configuration.namespaces, logger: logger)
        WebhookRoutes.kubernetes(client: client, triggers: cache, logger: logger).register(on: router)
        triggers = cache
    }
    routes(router)
    let app = bootstrap.server(router: router, logger: logger, onServerRunning: onServerRunning)
    let admission = configuration.admission.map { admission in
        AdmissionServer(
            client: client, configuration: admission, host: configuration.httpHost,
            reviewer: AdmissionReviewer(lookup: KubeAdmissionLookup(client: client)), logger: logger,
            onServerRunning: onAdmissionServerRunning)
    }
    return Coordinator(
        reconcilers: reconcilers, controller: controller, http: app, runCache: runCache, admission: admission,
        triggers: triggers)
}
