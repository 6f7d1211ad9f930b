import AsyncHTTPClient
import C8SAPI
import C8SCoordinator
import C8SCore
import C8SKube
import Logging
import Prometheus
import ServiceLifecycle
import Testing

@Suite("/metrics")
struct APIMetricsTests {
    /// The coordinator serves the reconciler's metrics (runs, steps, queue depth) in Prometheus text format.
    @Test func metricsShowTheReconcilerCounters() async throws {
        try await ReconcilerHarness.with { h in
            var configuration = CoordinatorConfiguration()
            configuration.namespaces = ["default"]
            configuration.leaderElection = false
            configuration.httpHost = "127.0.0.1"
            configuration.httpPort = 0
            var logger = Logger(label: "c8s.test.metrics")
            logger.logLevel = .critical
            let registry = PrometheusCollectorRegistry()
            let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
            let coordinator = buildCoordinator(
                configuration: configuration, client: h.client, logger: logger, registry: registry,
                onServerRunning: { portContinuation.yield($0) })
            let group = ServiceGroup(
                configuration: .init(
                    services: coordinator.services.map { .init(service: $0) }, logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                try await h.createConfig("m", PipelineSpec(steps: [step("a"), step("b", after: ["a"])]))
                try await h.createRun("m-1", config: "m")
                try await h.finish(run: "m-1", step: "a", exitCode: 3)
                try await h.waitForRun("m-1", .failed)

                let response = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(10))
                #expect(response.status == .ok)
                #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
                let lines = Set(text.split(separator: "\n").map(String.init))
                #expect(lines.contains("c8s_runs_started_total 1"))
                #expect(lines.contains(#"c8s_runs_finished_total{phase="Failed"} 1"#))
                #expect(lines.contains(#"c8s_runs_finished_total{phase="Succeeded"} 0"#))
                #expect(lines.contains(#"c8s_steps_finished_total{phase="Failed"} 1"#))
                #expect(lines.contains(#"c8s_steps_finished_total{phase="Skipped"} 1"#))
                #expect(lines.contains { $0.hasPrefix("c8s_reconciler_queue_depth ") })
                #expect(text.contains("# TYPE c8s_reconciler_queue_depth gauge"))
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
    }
}
