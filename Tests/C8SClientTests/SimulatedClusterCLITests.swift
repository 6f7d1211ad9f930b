import C8SAPI
import C8SCoordinator
import C8SKube
import C8STestSupport
import Foundation
import Logging
import Testing

/// `c8s run CONFIG --wait` while the real reconciler runs the steps as Jobs on the cluster simulator (each Pod's
/// commands run as local processes).
@Suite struct SimulatedClusterCLITests {
    /// Runs the reconciler of namespace `ci` and a one-node simulator while `body` runs.
    static func withReconcilerAndSimulator<T: Sendable>(
        _ cli: ClusterCLIHarness, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "c8s.test.sim")
        logger.logLevel = .critical
        let logRoot = cli.directory.appendingPathComponent("pods").path
        try FileManager.default.createDirectory(atPath: logRoot, withIntermediateDirectories: true)
        return try await withClusterSimulator(server: cli.server, nodes: ["node-a"], logRoot: logRoot, logger: logger) {
            _ in
            let reconciler = PipelineRunReconciler(
                client: cli.client, configuration: ReconcilerConfiguration(namespace: "ci"), logger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await reconciler.run() }
                do {
                    let result = try await body()
                    group.cancelAll()
                    return result
                } catch {
                    group.cancelAll()
                    throw error
                }
            }
        }
    }

    @Test func runWaitExitsWithTheOutcomeOfTheRealRun() async throws {
        try await ClusterCLIHarness.with { cli in
            try cli.write(
                """
                steps:
                  - name: build
                    image: alpine:3.20
                    commands: ["echo building"]
                  - name: test
                    image: alpine:3.20
                    dependsOn: [build]
                    commands: ["echo testing"]

                """, to: "good.yaml")
            try cli.write(
                """
                steps:
                  - name: build
                    image: alpine:3.20
                    commands: ["echo building"]
                  - name: test
                    image: alpine:3.20
                    dependsOn: [build]
                    commands: ["echo failing >&2", "exit 3"]
                  - name: deploy
                    image: alpine:3.20
                    dependsOn: [test]
                    commands: ["echo never"]

                """, to: "bad.yaml")
            #expect(try await cli.c8s(["apply", "-f", "good.yaml", "--name", "good"]).status == 0)
            #expect(try await cli.c8s(["apply", "-f", "bad.yaml", "--name", "bad"]).status == 0)
            try await Self.withReconcilerAndSimulator(cli) {
                let good = try await cli.c8s(["run", "good", "--commit", "abc", "--wait"], limit: 180)
                #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
                #expect(good.stdout.contains("step build: Succeeded (exit 0"), "\(good.stdout)")
                #expect(good.stdout.contains("step test: Succeeded (exit 0"))
                #expect(good.stdout.contains(": Succeeded in "))

                let bad = try await cli.c8s(["run", "bad", "--wait"], limit: 180)
                #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
                #expect(bad.stdout.contains("step test: Failed (exit 3"), "\(bad.stdout)")
                #expect(bad.stdout.contains("step deploy: Skipped"))
                #expect(bad.stdout.contains(": Failed in "))

                let name = try #require(bad.stdout.split(separator: "\n").first.map(String.init))
                let describe = try await cli.c8s(["describe", "run", name])
                let rows = describe.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
                #expect(rows.contains { $0.starts(with: ["test", "Failed", "3"]) }, "\(describe.stdout)")
                #expect(rows.contains { $0.starts(with: ["deploy", "Skipped"]) })
            }
        }
    }
}
