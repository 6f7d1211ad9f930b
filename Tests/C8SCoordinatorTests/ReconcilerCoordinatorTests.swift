import AsyncHTTPClient
import C8SAPI
import C8SCoordinator
import C8SCore
import C8SKube
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// `buildCoordinator` wires leader election, the reconciler and the health endpoints together.
@Suite struct ReconcilerCoordinatorTests {
    @Test func coordinatorLeadsReconcilesAndServesHealth() async throws {
        try await ReconcilerHarness.with { h in
            var configuration = CoordinatorConfiguration()
            configuration.namespaces = ["default"]
            configuration.leaseNamespace = "default"
            configuration.identity = "coordinator-test"
            configuration.httpHost = "127.0.0.1"
            configuration.httpPort = 0
            var logger = Logger(label: "c8s.test.coordinator")
            logger.logLevel = .warning
            let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
            let coordinator = buildCoordinator(
                configuration: configuration, client: h.client, logger: logger,
                onServerRunning: { portContinuation.yield($0) })
            let group = ServiceGroup(
                configuration: .init(
                    services: coordinator.services.map { .init(service: $0) }, logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                let base = "http://127.0.0.1:\(port)"
                let health = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: base + "/healthz"), timeout: .seconds(5))
                #expect(health.status == .ok)

                try await h.createConfig("co", PipelineSpec(steps: [step("a")]))
                try await h.createRun("co-1", config: "co")
                _ = try await h.waitForJob(run: "co-1", step: "a")
                let lease = try await h.client.get(Lease.self, name: "c8s-coordinator", namespace: "default")
                #expect(lease.spec?.holderIdentity == "coordinator-test")
                try await h.eventually("ready") {
                    let ready = try await HTTPClient.shared.execute(
                        HTTPClientRequest(url: base + "/readyz"), timeout: .seconds(5))
                    return ready.status == .ok ? true : nil
                }
                try await h.finish(run: "co-1", step: "a")
                try await h.waitForRun("co-1", .succeeded)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}
