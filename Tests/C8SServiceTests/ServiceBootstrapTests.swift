import C8SService
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@Suite struct ServiceBootstrapTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    @Test func healthAndReadinessFollowTheProcess() async throws {
        let ready = Mutex(false)
        let bootstrap = ServiceBootstrap(host: "127.0.0.1", port: 0, isReady: { ready.withLock { $0 } })
        let router = bootstrap.router()
        router.get("/extra") { _, _ in "extra" }
        try await Application(router: router, logger: Self.logger).test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ok")
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == "not ready")
            }
            ready.withLock { $0 = true }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/extra", method: .get) { response in
                #expect(String(buffer: response.body) == "extra")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func metricsServePrometheusText() async throws {
        let bootstrap = ServiceBootstrap(
            host: "127.0.0.1", port: 0, isReady: { true }, metrics: { Array("c8s_up 1\n".utf8) })
        try await Application(router: bootstrap.router(), logger: Self.logger).test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                #expect(String(buffer: response.body) == "c8s_up 1\n")
            }
        }
    }

    /// The server binds the configured address; port 0 reports the port picked. Cancelling the run stops every
    /// service and returns.
    @Test(.timeLimit(.minutes(1))) func serverReportsItsBoundPortAndStopsWithTheGroup() async throws {
        let bootstrap = ServiceBootstrap(host: "127.0.0.1", port: 0, isReady: { true })
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = bootstrap.server(router: bootstrap.router(), logger: Self.logger) { port in
            continuation.yield(port)
        }
        let waiter = RunsUntilCancelled()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await ServiceBootstrap.run([server, waiter], logger: Self.logger) }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next()
            #expect((port ?? 0) > 0)
            group.cancelAll()
            await group.waitForAll()
        }
        #expect(waiter.states.withLock { $0 } == ["running", "ended"])
    }
}

/// A service that runs until its task is cancelled.
final class RunsUntilCancelled: Service, Sendable {
    let states = Mutex<[String]>([])
    private let stream = AsyncStream.makeStream(of: Void.self)

    func run() async throws {
        states.withLock { $0.append("running") }
        for await _ in stream.stream {}
        states.withLock { $0.append("ended") }
    }
}
