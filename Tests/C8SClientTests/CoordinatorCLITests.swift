import C8SAPI
import C8SCoordinator
import C8SCore
import C8SKube
import C8SLogs
import C8STestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The `c8s` binary against the real coordinator REST API (`buildCoordinator` in-process, logs in a
/// `DirectoryLogStore`) and the in-memory API server with its RBAC model: `bob` (context `main`) may use c8s in `ci`;
/// `alice` (context `other`) may only read runs in `staging`.
@Suite struct CoordinatorCLITests {
    static let coordinatorUser = "system:serviceaccount:c8s-system:c8s-coordinator"
    static let model = TestAuthModel(
        tokens: [
            "coordinator-token": .init(name: coordinatorUser, uid: "sa-1", groups: ["system:serviceaccounts"]),
            "bob-token": .init(name: "bob", uid: "bob-uid", groups: ["ci-devs"]),
            "alice-token": .init(name: "alice", uid: "alice-uid"),
        ],
        grants: [
            .init(.user(coordinatorUser), rules: [.all]),
            .init(
                .group("ci-devs"),
                rules: [
                    .init(
                        apiGroups: ["c8s.dev"], resources: ["pipelineruns", "pipelineruns/log", "pipelineconfigs"],
                        verbs: ["get", "list", "watch", "create", "update", "patch"], namespaces: ["ci"]),
                    .init(apiGroups: [""], resources: ["events"], verbs: ["list"], namespaces: ["ci"]),
                    .init(apiGroups: [""], resources: ["secrets"], verbs: ["create"], namespaces: ["ci"]),
                ]),
            .init(
                .user("alice"),
                rules: [
                    .init(
                        apiGroups: ["c8s.dev"], resources: ["pipelineruns"], verbs: ["get", "list"],
                        namespaces: ["staging"])
                ]),
        ])

    static let start: Int64 = 1_764_000_000_000_000_000

    static func records(_ prefix: String, _ count: Int) -> [LogRecord] {
        (0..<count).map { index in
            LogRecord(
                timestampNanos: start + Int64(index) * 1_000_000, stream: .stdout, text: "\(prefix) line \(index)")
        }
    }

    /// Runs the coordinator (REST API on a free port; its reconciler watches an unused namespace, so runs keep the
    /// status the test writes) for `body` with its URL and log store.
    static func withCoordinator<T: Sendable>(
        _ cli: ClusterCLIHarness, _ body: @escaping @Sendable (String, DirectoryLogStore) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "c8s.test.coordinator")
        logger.logLevel = .critical
        var configuration = CoordinatorConfiguration()
        configuration.namespaces = ["unwatched"]
        configuration.leaderElection = false
        configuration.httpHost = "127.0.0.1"
        configuration.httpPort = 0
        let store = DirectoryLogStore(root: cli.directory.appendingPathComponent("store").path, syncWrites: false)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let coordinator = buildCoordinator(
            configuration: configuration, client: cli.client, logger: logger,
            api: CoordinatorAPIConfiguration(logStore: store, logPollInterval: .milliseconds(50)),
            onServerRunning: { portContinuation.yield($0) })
        let group = ServiceGroup(
            configuration: .init(
                services: coordinator.services.map { .init(service: $0) }, logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do {
                let result = try await body("http://127.0.0.1:\(port)", store)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }

    /// Stores `records` as the complete log of `ci/run/step/step`.
    static func store(_ records: [LogRecord], in store: DirectoryLogStore, run: String, step: String) async throws {
        var quiet = Logger(label: "c8s.test.writer")
        quiet.logLevel = .critical
        let location = try LogLocation(namespace: "ci", run: run, step: step, container: "step")
        let writer = LogWriter(
            store: store, location: location, configuration: .init(maxUncompressedBytes: 200), logger: quiet)
        try await writer.resume()
        try await writer.append(contentsOf: records)
        _ = try await writer.finish()
    }

    /// Run `shop-a` in `ci` with steps build and test, both finished with a Pod.
    static func createRun(_ cli: ClusterCLIHarness, namespace: String = "ci") async throws {
        try await cli.createRun("shop-a", config: "shop", namespace: namespace)
        try await cli.setStatus("shop-a", namespace: namespace) { status in
            status.phase = .succeeded
            var build = PipelineRun.StepStatus(name: "build", phase: .succeeded)
            build.podName = "shop-a-build-x"
            build.startTime = KubeTime(Date())
            var test = PipelineRun.StepStatus(name: "test", phase: .succeeded)
            test.podName = "shop-a-test-x"
            test.startTime = KubeTime(Date())
            status.steps = [build, test]
        }
    }

    @Test func logsThroughTheRealCoordinator() async throws {
        try await ClusterCLIHarness.with(auth: Self.model, adminToken: "coordinator-token") { cli in
            try await Self.createRun(cli)
            try await Self.withCoordinator(cli) { url, store in
                let build = Self.records("build", 30)
                try await Self.store(build, in: store, run: "shop-a", step: "build")
                try await Self.store(Self.records("test", 3), in: store, run: "shop-a", step: "test")

                let whole = try await cli.c8s(["logs", "shop-a", "--step", "build", "--coordinator", url])
                #expect(whole.status == 0, "\(whole.stderr)")
                #expect(whole.stdout == build.map { $0.text + "\n" }.joined())

                let tail = try await cli.c8s(
                    ["logs", "shop-a", "--step", "build", "--tail", "2", "--timestamps", "--coordinator", url])
                let format = LogLineFormat(timestamps: true)
                #expect(tail.stdout == build.suffix(2).map { format.format($0) + "\n" }.joined(), "\(tail.stderr)")

                let all = try await cli.c8s(["logs", "shop-a", "--tail", "1", "-f"], extra: ["C8S_COORDINATOR": url])
                #expect(all.status == 0, "\(all.stderr)")
                #expect(all.stdout == "[build] build line 29\n[test] test line 2\n")
            }
        }
    }

    @Test func forbiddenByTheClusterAndByTheCoordinator() async throws {
        try await ClusterCLIHarness.with(auth: Self.model, adminToken: "coordinator-token") { cli in
            try await cli.createConfig("shop", namespace: "staging")
            try await Self.createRun(cli, namespace: "staging")
            try await Self.withCoordinator(cli) { url, _ in
                // The API server refuses alice's create: the CLI names her, the verb, the resource and the namespace.
                let run = try await cli.c8s(["run", "shop", "--context", "other"])
                #expect(run.status == 1)
                #expect(
                    run.stderr.contains(
                        "forbidden: you (user \"alice\", context \"other\") cannot get pipelineconfigs in namespace "
                            + "\"staging\""
                    ), "\(run.stderr)")
                #expect(run.stderr.contains("ask a cluster admin"))
                try await cli.createRun("shop-r", config: "shop", namespace: "staging")
                try await cli.setStatus("shop-r", namespace: "staging") { $0.phase = .running }
                let cancel = try await cli.c8s(["cancel", "shop-r", "--context", "other"])
                #expect(cancel.status == 1)
                #expect(
                    cancel.stderr.contains("cannot patch pipelineruns in namespace \"staging\""), "\(cancel.stderr)")
                #expect(try await cli.run("shop-r", namespace: "staging").spec.cancel != true)
                // She may describe the run without the right to list Events.
                let describe = try await cli.c8s(["describe", "run", "shop-a", "--context", "other"])
                #expect(describe.status == 0, "\(describe.stderr)")
                #expect(describe.stdout.hasSuffix("Events:\n  <you may not list events in this namespace>\n"))
                // She may read the run, but the coordinator refuses its log.
                let get = try await cli.c8s(["get", "runs", "--context", "other"])
                #expect(get.status == 0, "\(get.stderr)")
                #expect(get.stdout.contains("shop-a"))
                let logs = try await cli.c8s([
                    "logs", "shop-a", "--step", "build", "--context", "other",
                    "--coordinator", url,
                ])
                #expect(logs.status == 1)
                #expect(
                    logs.stderr.contains(
                        "c8s logs: forbidden: User \"alice\" cannot get resource \"pipelineruns/log\""),
                    "\(logs.stderr)")
                // Bob may not touch staging at all.
                let bob = try await cli.c8s(["get", "runs", "-n", "staging"])
                #expect(bob.status == 1)
                #expect(
                    bob.stderr.contains(
                        "forbidden: you (user \"bob\", context \"main\") cannot list pipelineruns in namespace "
                            + "\"staging\""
                    ), "\(bob.stderr)")
                // An unknown token is refused by both.
                let stranger = cli.directory.appendingPathComponent("stranger").path
                try """
                apiVersion: v1
                kind: Config
                clusters: [{name: test, cluster: {server: "\(cli.server.baseURL.absoluteString)"}}]
                users: [{name: mallory, user: {token: not-a-token}}]
                contexts: [{name: main, context: {cluster: test, user: mallory, namespace: ci}}]
                current-context: main
                """.write(toFile: stranger, atomically: true, encoding: .utf8)
                let refused = try await cli.c8s(["get", "runs"], kubeconfig: .some(stranger))
                #expect(refused.status == 1)
                #expect(
                    refused.stderr.contains(
                        "unauthorized: the API server at \(cli.server.baseURL.absoluteString) refused the credentials "
                            + "of user \"mallory\""
                    ), "\(refused.stderr)")
                #expect(!refused.stderr.contains("not-a-token"))
                // A kubeconfig whose user gets bob's token from an exec credential plugin.
                let plugin = cli.directory.appendingPathComponent("token-plugin").path
                try "#!/bin/sh\necho '{\"kind\":\"ExecCredential\",\"status\":{\"token\":\"bob-token\"}}'\n"
                    .write(toFile: plugin, atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: plugin)
                let exec = cli.directory.appendingPathComponent("exec").path
                try """
                apiVersion: v1
                kind: Config
                clusters: [{name: test, cluster: {server: "\(cli.server.baseURL.absoluteString)"}}]
                users: [{name: cloud-bob, user: {exec: {apiVersion: client.authentication.k8s.io/v1, \
                command: \(plugin)}}}]
                contexts: [{name: main, context: {cluster: test, user: cloud-bob, namespace: ci}}]
                current-context: main
                """.write(toFile: exec, atomically: true, encoding: .utf8)
                let viaPlugin = try await cli.c8s(["get", "runs"], kubeconfig: .some(exec))
                #expect(viaPlugin.status == 0, "\(viaPlugin.stderr)")
            }
        }
    }

    @Test func bobUsesTheWholeCLIUnderRBAC() async throws {
        try await ClusterCLIHarness.with(auth: Self.model, adminToken: "coordinator-token") { cli in
            try cli.write(PipelineSpecFixture.file, to: ".c8s.yaml")
            let apply = try await cli.c8s(["apply", "--name", "shop"])
            #expect(apply.status == 0, "\(apply.stderr)")
            let run = try await cli.c8s(["run", "shop", "--commit", "abc"])
            #expect(run.status == 0, "\(run.stderr)")
            let name = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let describe = try await cli.c8s(["describe", "run", name])
            #expect(describe.status == 0, "\(describe.stderr)")
            #expect(describe.stdout.contains("Triggered By:  bob\n"))
            let cancel = try await cli.c8s(["cancel", name])
            #expect(cancel.status == 0, "\(cancel.stderr)")
            let secret = try await cli.c8s(["secret", "create", "token", "--from-literal", "value=x"])
            #expect(secret.status == 0, "\(secret.stderr)")
        }
    }
}
