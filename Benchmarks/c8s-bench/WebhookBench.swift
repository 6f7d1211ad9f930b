import C8SAPI
import C8SCoordinator
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Webhook intake: GitHub push deliveries (the fixture of the coordinator's tests, signed) through the coordinator's
/// ``WebhookReceiver`` as `buildCoordinator` wires it — connections, configs and Secrets from a running
/// ``TriggerCache`` on the in-memory API server, runs created there.
///
/// Prints, one task at a time (one core for the receiver): forged deliveries for a connected repository rejected
/// per second, verified deliveries accepted per second with runs counted in memory (the receiver's own cost), and
/// verified deliveries end to end (a `PipelineRun` POSTed to the API server in the same process, 8 at a time), each
/// with p50/p99 latency; beside them the raw HMAC-SHA256 check of the same body per second and a raw `PipelineRun`
/// POST's latency. Every accepted delivery must have created exactly one run.
enum WebhookBench {
    static let namespace = "default"
    static let secret = "bench webhook secret"

    /// Counts run creations in memory (the receiver's cost without the API server's).
    final class CountingRuns: RunCreator {
        let names = Mutex<Set<String>>([])

        func createRuns(_ request: RunRequest) async throws -> RunCreationResult {
            let inserted = names.withLock { $0.insert(request.runName).inserted }
            return inserted ? .created([request.runName]) : .duplicate([request.runName])
        }
    }

    static func run(deliveries: Int) async throws {
        var configuration = TestAPIServer.Configuration()
        configuration.crdDirectory = repositoryRoot + "/config/crd"
        let quiet = {
            var logger = Logger(label: "c8s.bench.webhooks")
            logger.logLevel = .error
            return logger
        }()
        let fixture = repositoryRoot + "/Tests/C8SCoordinatorTests/Fixtures/github/push.json"
        let body = try Array(Data(contentsOf: URL(fileURLWithPath: fixture)))
        try await withTestAPIServer(configuration: configuration, logger: quiet) { server in
            let client = try KubeClient(
                configuration: KubeClientConfiguration(server: server.baseURL.absoluteString, namespace: namespace),
                logger: quiet)
            do {
                try await measure(deliveries: deliveries, body: body, client: client, logger: quiet)
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }

    static func measure(deliveries: Int, body: [UInt8], client: KubeClient, logger: Logger) async throws {
        _ = try await client.create(
            Secret(
                metadata: ObjectMeta(name: "shop-webhook", namespace: namespace),
                data: ["webhook-secret": Array(secret.utf8)]))
        _ = try await client.create(
            PipelineConfig(
                metadata: ObjectMeta(name: "shop", namespace: namespace),
                spec: PipelineSpec(steps: [PipelineStep(name: "test", image: "alpine:3", commands: ["make test"])])))
        _ = try await client.create(
            C8SAPI.RepositoryConnection(
                metadata: ObjectMeta(name: "shop-github", namespace: namespace),
                spec: .init(
                    repository: "https://github.com/acme/shop", provider: .github,
                    webhookSecretRef: SecretKeyReference(name: "shop-webhook", key: "webhook-secret"),
                    pipelineConfigRef: LocalObjectReference(name: "shop"))))
        let triggers = TriggerCache(client: client, namespaces: [namespace], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await triggers.run() }
            defer { group.cancelAll() }
            let key = RepositoryKey("https://github.com/acme/shop")!
            while try await triggers.connection(for: [key]) == nil { try await Task.sleep(for: .milliseconds(10)) }

            print("")
            print("webhooks: GitHub push deliveries (\(body.count) bytes) through the receiver, caches of a running")
            print("          TriggerCache on the in-memory API server")
            print("  case                                   deliveries    per s   p50 us   p99 us   cpu us/delivery")
            let wrong = WebhookSignature.sign(body, secret: "a guess")
            let hmac = time(count: deliveries * 4) { _ in
                _ = WebhookSignature.verifyHMACSHA256(header: wrong, body: body, secret: secret, prefixed: true)
            }
            report("raw HMAC-SHA256 check (baseline)", deliveries * 4, hmac)

            let counting = CountingRuns()
            let inMemory = WebhookReceiver(connections: triggers, pipelines: triggers, runs: counting)
            // Headers are made (and signed) before the clock starts.
            let forgedHeaders = (0..<deliveries).map { headers(body: body, secret: "guess \($0)", delivery: "f\($0)") }
            let forged = try await timeAsync(count: deliveries) { index in
                let response = await inMemory.receive(
                    source: .github, headers: forgedHeaders[index], body: body, logger: logger)
                guard response.status == 401 else { throw BenchError("forged delivery answered \(response.status)") }
            }
            report("forged, rejected (401)", deliveries, forged)

            let verifiedHeaders = (0..<deliveries).map { headers(body: body, secret: secret, delivery: "v\($0)") }
            let verified = try await timeAsync(count: deliveries) { index in
                let response = await inMemory.receive(
                    source: .github, headers: verifiedHeaders[index], body: body, logger: logger)
                guard response.status == 202 else { throw BenchError("verified delivery answered \(response.status)") }
            }
            report("verified, runs counted in memory", deliveries, verified)
            guard counting.names.withLock({ $0.count }) == deliveries else {
                throw BenchError("\(counting.names.withLock { $0.count }) runs for \(deliveries) deliveries")
            }

            let endToEnd = WebhookRoutes.kubernetes(client: client, triggers: triggers, logger: logger).receiver
            let accepted = min(deliveries, 2_000)
            let acceptedHeaders = (0..<accepted).map { headers(body: body, secret: secret, delivery: "e\($0)") }
            let concurrent = try await timeConcurrent(count: accepted, width: 8) { index in
                let response = await endToEnd.receive(
                    source: .github, headers: acceptedHeaders[index], body: body, logger: logger)
                guard response.status == 202 else { throw BenchError("delivery answered \(response.status)") }
            }
            report("verified, run created (8 at once)", accepted, concurrent)
            let runs = try await client.listAll(PipelineRun.self, namespace: namespace).items.count
            guard runs == accepted else { throw BenchError("\(runs) PipelineRuns for \(accepted) deliveries") }

            var post: [Double] = []
            for index in 0..<200 {
                let start = ContinuousClock.now
                _ = try await client.create(
                    PipelineRun(
                        metadata: ObjectMeta(name: "raw-\(index)", namespace: namespace),
                        spec: .init(pipelineConfigRef: .init(name: "shop"), commit: String(repeating: "a", count: 40))))
                post.append(seconds(ContinuousClock.now - start))
            }
            let postP50 = percentile(post, 0.5)
            print(
                String(
                    format: "  raw PipelineRun POST: p50 %.0f us; end-to-end p50 / POST p50 = %.1fx",
                    postP50 * 1e6, percentile(concurrent.latencies, 0.5) / max(postP50, 1e-9)))
            print("  (one task for the first three rows; cpu: the whole process's user+system time per delivery)")
        }
    }

    struct BenchError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    struct Timing {
        var wall: Double
        var cpu: Double
        var latencies: [Double]
    }

    static func headers(body: [UInt8], secret: String, delivery: String) -> WebhookHeaders {
        WebhookHeaders([
            ("Content-Type", "application/json"), ("X-GitHub-Event", "push"), ("X-GitHub-Delivery", delivery),
            ("X-GitHub-Hook-ID", "109948940"), ("User-Agent", "GitHub-Hookshot/bench"),
            ("X-Hub-Signature-256", WebhookSignature.sign(body, secret: secret)),
        ])
    }

    static func report(_ name: String, _ count: Int, _ timing: Timing) {
        let padded = name.padding(toLength: 38, withPad: " ", startingAt: 0)
        print(
            String(
                format: "  %@ %10d %8.0f %8.0f %8.0f %17.1f", padded, count, Double(count) / timing.wall,
                percentile(timing.latencies, 0.5) * 1e6, percentile(timing.latencies, 0.99) * 1e6,
                timing.cpu / Double(count) * 1e6))
    }

    static func time(count: Int, _ body: (Int) -> Void) -> Timing {
        var latencies: [Double] = []
        latencies.reserveCapacity(count)
        let cpu = cpuSeconds()
        let start = ContinuousClock.now
        for index in 0..<count {
            let begin = ContinuousClock.now
            body(index)
            latencies.append(seconds(ContinuousClock.now - begin))
        }
        return Timing(wall: seconds(ContinuousClock.now - start), cpu: cpuSeconds() - cpu, latencies: latencies)
    }

    static func timeAsync(count: Int, _ body: (Int) async throws -> Void) async throws -> Timing {
        var latencies: [Double] = []
        latencies.reserveCapacity(count)
        let cpu = cpuSeconds()
        let start = ContinuousClock.now
        for index in 0..<count {
            let begin = ContinuousClock.now
            try await body(index)
            latencies.append(seconds(ContinuousClock.now - begin))
        }
        return Timing(wall: seconds(ContinuousClock.now - start), cpu: cpuSeconds() - cpu, latencies: latencies)
    }

    static func timeConcurrent(
        count: Int, width: Int, _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> Timing {
        let cpu = cpuSeconds()
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for lane in 0..<width {
                group.addTask {
                    var samples: [Double] = []
                    for index in stride(from: lane, to: count, by: width) {
                        let begin = ContinuousClock.now
                        try await body(index)
                        samples.append(seconds(ContinuousClock.now - begin))
                    }
                    return samples
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        return Timing(wall: seconds(ContinuousClock.now - start), cpu: cpuSeconds() - cpu, latencies: latencies)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func percentile(_ samples: [Double], _ p: Double) -> Double {
        let sorted = samples.sorted()
        return sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    /// User plus system CPU time of the process.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
