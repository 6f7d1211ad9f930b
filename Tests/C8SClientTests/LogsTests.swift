import C8SAPI
import C8SClient
import C8SKube
import C8SLogs
import Foundation
import Synchronization
import Testing

/// `c8s logs` through a stand-in of the coordinator's log API.
@Suite struct LogsTests {
    static let coordinatorLogs: [String: [NumberedLogRecord]] = [
        "ci/shop-a/build": FakeCoordinator.records(["compiling", "linking", "built"]),
        "ci/shop-a/test": FakeCoordinator.records(["running 2 tests", "ok"]),
        "staging/shop-a/build": FakeCoordinator.records(["staging build"]),
    ]

    /// Creates run `shop-a` (steps build, test; both finished) in `namespace`.
    static func createRun(_ cli: ClusterCLIHarness, namespace: String = "ci") async throws {
        try await cli.createRun("shop-a", config: "shop", namespace: namespace)
        try await cli.setStatus("shop-a", namespace: namespace) { status in
            status.phase = .succeeded
            var build = PipelineRun.StepStatus(name: "build", phase: .succeeded)
            build.podName = "shop-a-build-x"
            var test = PipelineRun.StepStatus(name: "test", phase: .succeeded)
            test.podName = "shop-a-test-x"
            status.steps = [build, test]
        }
    }

    @Test func printsOneStepOrEveryStepPrefixed() async throws {
        let coordinator = FakeCoordinator(logs: Self.coordinatorLogs, allowed: ["bob-token"])
        try await ClusterCLIHarness.with { cli in
            try await Self.createRun(cli)
            try await coordinator.run { port in
                let url = "http://127.0.0.1:\(port)"
                let one = try await cli.c8s(["logs", "shop-a", "--step", "build", "--coordinator", url])
                #expect(one.status == 0, "\(one.stderr)")
                #expect(one.stdout == "compiling\nlinking\nbuilt\n")

                let all = try await cli.c8s(["logs", "shop-a"], extra: ["C8S_COORDINATOR": url])
                #expect(all.status == 0, "\(all.stderr)")
                #expect(
                    all.stdout
                        == "[build] compiling\n[build] linking\n[build] built\n[test] running 2 tests\n[test] ok\n")

                let tail = try await cli.c8s([
                    "logs", "shop-a", "--step", "build", "--tail", "1", "--timestamps",
                    "--coordinator", url,
                ])
                #expect(tail.stdout == "2026-01-01T00:00:02.000000000Z built\n", "\(tail.stdout)\(tail.stderr)")
                let last = try #require(coordinator.seen.withLock { $0.last })
                #expect(last.path == "/api/v1/namespaces/ci/pipelineruns/shop-a/steps/build/log")
                #expect(last.query == ["container": "step", "tail": "1", "timestamps": "true", "format": "ndjson"])
                #expect(last.authorization == "Bearer bob-token")

                let positional = try await cli.c8s(["logs", "shop-a", "test", "--coordinator", url])
                #expect(positional.stdout == "running 2 tests\nok\n")

                let noStep = try await cli.c8s(["logs", "shop-a", "--step", "deploy", "--coordinator", url])
                #expect(noStep.status == 1)
                #expect(noStep.stderr.contains("run \"shop-a\" has no step \"deploy\" (steps: build, test)"))
                let noRun = try await cli.c8s(["logs", "nope", "--coordinator", url])
                #expect(noRun.status == 1)
                #expect(noRun.stderr.contains("no run \"nope\" in namespace \"ci\""))
            }
        }
    }

    @Test func coordinatorAndTokenErrorsSayWhatToDo() async throws {
        let coordinator = FakeCoordinator(
            logs: Self.coordinatorLogs, allowed: ["bob-token", "explicit"], forbidden: ["alice-token": "alice"])
        try await ClusterCLIHarness.with { cli in
            try await Self.createRun(cli)
            try await Self.createRun(cli, namespace: "staging")
            let noCoordinator = try await cli.c8s(["logs", "shop-a"])
            #expect(noCoordinator.status == 2)
            #expect(noCoordinator.stderr.contains("pass --coordinator URL or set C8S_COORDINATOR"))
            #expect(noCoordinator.stderr.contains("kubectl -n c8s-system port-forward svc/c8s-coordinator 8080:80"))
            #expect(noCoordinator.stderr.contains("export C8S_COORDINATOR=http://localhost:8080"))

            let closed = try closedPort()
            let started = ContinuousClock.now
            let unreachable = try await cli.c8s(["logs", "shop-a", "--coordinator", "http://127.0.0.1:\(closed)"])
            #expect(unreachable.status == 1)
            #expect(unreachable.stderr.contains("cannot reach the coordinator at http://127.0.0.1:\(closed)"))
            #expect(ContinuousClock.now - started < .seconds(60))

            try await coordinator.run { port in
                let url = "http://127.0.0.1:\(port)"
                let forbidden = try await cli.c8s([
                    "logs", "shop-a", "--step", "build", "--context", "other",
                    "--coordinator", url,
                ])
                #expect(forbidden.status == 1)
                #expect(
                    forbidden.stderr.contains(
                        "c8s logs: forbidden: User \"alice\" cannot get the logs of pipelineruns in namespace "
                            + "\"staging\""
                    ),
                    "\(forbidden.stderr)")
                let badToken = try await cli.c8s([
                    "logs", "shop-a", "--step", "build", "--token", "wrong",
                    "--coordinator", url,
                ])
                #expect(badToken.status == 1)
                #expect(
                    badToken.stderr.contains("unauthorized: the coordinator refused the token (invalid bearer token)"))
                #expect(!badToken.stderr.contains("wrong"))

                // A kubeconfig user without a token needs --token.
                let tokenless = cli.directory.appendingPathComponent("tokenless").path
                try """
                apiVersion: v1
                kind: Config
                clusters: [{name: test, cluster: {server: "\(cli.server.baseURL.absoluteString)"}}]
                users: [{name: carol, user: {}}]
                contexts: [{name: main, context: {cluster: test, user: carol, namespace: ci}}]
                current-context: main
                """.write(toFile: tokenless, atomically: true, encoding: .utf8)
                let noToken = try await cli.c8s(["logs", "shop-a", "--coordinator", url], kubeconfig: .some(tokenless))
                #expect(noToken.status == 2)
                #expect(noToken.stderr.contains("no token for the coordinator"))
                #expect(noToken.stderr.contains("kubectl -n ci create token"))
                let explicit = try await cli.c8s(
                    [
                        "logs", "shop-a", "--step", "build", "--token", "explicit",
                        "--coordinator", url,
                    ], kubeconfig: .some(tokenless))
                #expect(explicit.status == 0, "\(explicit.stderr)")
                #expect(explicit.stdout == "compiling\nlinking\nbuilt\n")
            }
        }
    }

    @Test func followPrintsLinesAsTheyArrive() async throws {
        let coordinator = FakeCoordinator(logs: Self.coordinatorLogs, allowed: ["bob-token"], gatedSteps: ["build"])
        try await ClusterCLIHarness.with { cli in
            try await Self.createRun(cli)
            try await coordinator.run { port in
                let process = try cli.start(["logs", "shop-a", "-f", "--coordinator", "http://127.0.0.1:\(port)"])
                // The first line is printed while the response is still open.
                try await process.waitForOutput(containing: "[build] compiling\n")
                #expect(!process.stdout.contains("linking"))
                coordinator.release(step: "build")
                let result = try await process.finish()
                #expect(result.status == 0, "\(result.stderr)")
                #expect(
                    result.stdout
                        == "[build] compiling\n[build] linking\n[build] built\n[test] running 2 tests\n[test] ok\n")
                let follows = coordinator.seen.withLock { $0.map { $0.query["follow"] } }
                #expect(follows == ["true", "true"])
            }
        }
    }

    @Test func clientStreamsRecordsAndDecodesErrors() async throws {
        let coordinator = FakeCoordinator(
            logs: Self.coordinatorLogs, allowed: ["t"], forbidden: ["eve": "eve"], gatedSteps: ["build"])
        try await coordinator.run { port in
            try await CoordinatorLogClient.with(
                settings: CoordinatorSettings(url: "http://127.0.0.1:\(port)/", token: "t")
            ) { client in
                let received = Mutex<[String]>([])
                let query = LogQuery(namespace: "ci", run: "shop-a", step: "build", follow: true)
                try await client.stream(query) { record in
                    received.withLock { $0.append(record.record.text) }
                    if record.lineNumber == 0 { coordinator.release(step: "build") }
                }
                #expect(received.withLock { $0 } == ["compiling", "linking", "built"])

                let forbidden = CoordinatorLogClient(
                    settings: CoordinatorSettings(url: "http://127.0.0.1:\(port)", token: "eve"), http: .shared)
                await #expect(throws: ClientError.self) { try await forbidden.stream(query) { _ in } }
                do {
                    try await forbidden.stream(query) { _ in }
                } catch let error as ClientError {
                    #expect(error.isForbidden)
                    #expect(
                        error.message
                            == "forbidden: User \"eve\" cannot get the logs of pipelineruns in namespace \"ci\"")
                }
                do {
                    try await client.stream(LogQuery(namespace: "ci", run: "shop-a", step: "nope")) { _ in }
                    Issue.record("a missing step streamed")
                } catch let error as ClientError {
                    #expect(error.isNotFound)
                    #expect(error.message == "run \"shop-a\" has no step \"nope\"")
                }
            }
        }
    }
}
