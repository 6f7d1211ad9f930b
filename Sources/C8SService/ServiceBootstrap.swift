import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// What every long-running c8s process (`c8s-coordinator`, `c8s-agent`) has in common: a Hummingbird server with
/// `GET /healthz` (the process is alive: `ok`), `GET /readyz` (`ok`, or 503 `not ready` while ``isReady`` is false)
/// and, when ``metrics`` is given, `GET /metrics` (Prometheus text); and one `ServiceGroup` that runs the
/// process's services with SIGTERM and SIGINT as graceful shutdown.
///
/// A process builds its router with ``router()``, adds its own routes, and makes the server with
/// ``server(router:logger:onServerRunning:)``; ``run(_:logger:)`` runs it with the process's other services.
public struct ServiceBootstrap: Sendable {
    /// The address the server binds (`0.0.0.0`, `127.0.0.1`, `::`).
    public var host: String
    /// The port the server binds; 0 picks a free one (reported to `onServerRunning`).
    public var port: Int
    /// Whether the process is ready for traffic (`/readyz`).
    public var isReady: @Sendable () -> Bool
    /// The Prometheus text `/metrics` serves; nil: no `/metrics`.
    public var metrics: (@Sendable () -> [UInt8])?

    /// A bootstrap serving on `host:port`.
    public init(
        host: String, port: Int, isReady: @escaping @Sendable () -> Bool,
        metrics: (@Sendable () -> [UInt8])? = nil
    ) {
        self.host = host
        self.port = port
        self.isReady = isReady
        self.metrics = metrics
    }

    /// A router with `/healthz`, `/readyz` and (with ``metrics``) `/metrics`; the process adds its own routes.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ in "ok" }
        router.get("/readyz") { [isReady] _, _ -> Response in
            isReady()
                ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok")))
                : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "not ready")))
        }
        if let metrics {
            router.get("/metrics") { _, _ -> Response in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(bytes: metrics())))
            }
        }
        return router
    }

    /// The HTTP server of `router` on ``host``:``port``, as a `Service`; `onServerRunning` gets the bound port.
    public func server(
        router: Router<BasicRequestContext>, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service {
        Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Runs `services` (in start order; they stop in reverse order) in one `ServiceGroup` until one ends or
    /// SIGTERM or SIGINT asks for a graceful shutdown.
    public static func run(_ services: [any Service], logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
