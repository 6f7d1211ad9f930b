import C8SAPI
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// The result of one `c8s` process.
struct CLIResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built `c8s` executable in a temporary directory with a controlled environment (HOME in the directory, no
/// inherited KUBECONFIG), against a test API server with the c8s CRDs, through a kubeconfig the harness writes:
/// context `main` (user `bob`, namespace `ci`, the current one) and context `other` (user `alice`, namespace
/// `staging`).
struct ClusterCLIHarness: Sendable {
    let directory: URL
    let server: TestAPIServer
    let client: KubeClient

    var kubeconfig: String { directory.appendingPathComponent("kubeconfig").path }

    /// Starts a test API server and runs `body` with a harness for it.
    /// With `auth`, the API server authenticates and authorizes every request, and the harness's own client uses
    /// `adminToken`.
    static func with<T: Sendable>(
        auth: TestAuthModel? = nil, adminToken: String? = nil,
        _ body: @escaping @Sendable (ClusterCLIHarness) async throws -> T
    ) async throws -> T {
        var configuration = TestAPIServer.Configuration(auth: auth)
        configuration.crdDirectory = repositoryRoot + "/config/crd"
        configuration.bookmarkInterval = .milliseconds(200)
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("c8s-cli-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await withTestAPIServer(configuration: configuration) { server in
            var logger = Logger(label: "c8s.test.kube")
            logger.logLevel = .critical
            let kube = KubeClientConfiguration(
                server: server.baseURL.absoluteString, credentials: adminToken.map { .token($0) } ?? .none,
                namespace: "ci")
            for namespace in ["ci", "staging", "prod", "empty"] {
                try server.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
            }
            return try await withKubeClient(configuration: kube, logger: logger) { client in
                let harness = ClusterCLIHarness(directory: directory, server: server, client: client)
                try harness.writeKubeconfig(server: server.baseURL.absoluteString)
                return try await body(harness)
            }
        }
    }

    func writeKubeconfig(server: String, to path: String? = nil) throws {
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: \(server)
            users:
            - name: bob
              user:
                token: bob-token
            - name: alice
              user:
                token: alice-token
            contexts:
            - name: main
              context: {cluster: test, user: bob, namespace: ci}
            - name: other
              context: {cluster: test, user: alice, namespace: staging}
            current-context: main

            """
        try text.write(toFile: path ?? kubeconfig, atomically: true, encoding: .utf8)
    }

    func write(_ text: String, to name: String) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// The environment of the CLI: HOME in the test directory (no ~/.kube/config), KUBECONFIG as given.
    func environment(kubeconfig: String?, extra: [String: String] = [:]) -> [String: String] {
        var environment = [
            "HOME": directory.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "USER": "tester",
        ]
        if let kubeconfig { environment["KUBECONFIG"] = kubeconfig }
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// Runs `c8s ARGUMENTS` to completion with KUBECONFIG set to the harness's kubeconfig (or `kubeconfig`).
    func c8s(
        _ arguments: [String], kubeconfig: String?? = .none, extra: [String: String] = [:], limit: Double = 120
    )
        async throws -> CLIResult
    {
        let process = makeProcess(arguments, kubeconfig: kubeconfig ?? self.kubeconfig, extra: extra)
        return try await process.finish(limit: limit)
    }

    /// A started `c8s ARGUMENTS` process.
    func start(_ arguments: [String], extra: [String: String] = [:]) throws -> CLIProcess {
        let process = makeProcess(arguments, kubeconfig: kubeconfig, extra: extra)
        try process.start()
        return process
    }

    private func makeProcess(_ arguments: [String], kubeconfig: String?, extra: [String: String]) -> CLIProcess {
        CLIProcess(
            arguments: arguments, directory: directory, environment: environment(kubeconfig: kubeconfig, extra: extra))
    }

    // MARK: Objects

    func runs(namespace: String = "ci") async throws -> [PipelineRun] {
        try await client.list(PipelineRun.self, namespace: namespace).items
    }

    func run(_ name: String, namespace: String = "ci") async throws -> PipelineRun {
        try await client.get(PipelineRun.self, name: name, namespace: namespace)
    }

    /// Creates a PipelineConfig with steps `build` then `test` (test depends on build).
    @discardableResult
    func createConfig(_ name: String, namespace: String = "ci") async throws -> PipelineConfig {
        var spec = PipelineSpecFixture.twoSteps
        spec.repository = "https://github.com/acme/\(name)"
        return try await client.create(
            PipelineConfig(metadata: ObjectMeta(name: name, namespace: namespace), spec: spec))
    }

    /// Creates a run `name` of `config`.
    @discardableResult
    func createRun(
        _ name: String, config: String, commit: String = "0123456789abcdef0123456789abcdef01234567",
        namespace: String = "ci"
    ) async throws -> PipelineRun {
        try await client.create(
            PipelineRun(
                metadata: ObjectMeta(name: name, namespace: namespace, labels: [C8SLabels.pipelineConfig: config]),
                spec: .init(
                    pipelineConfigRef: .init(name: config), commit: commit, branch: "main", event: .push,
                    triggeredBy: "webhook")))
    }

    /// Replaces a run's status (what the coordinator does).
    @discardableResult
    func setStatus(
        _ name: String, namespace: String = "ci", _ change: @Sendable (inout PipelineRun.Status) -> Void
    )
        async throws -> PipelineRun
    {
        try await client.modify(PipelineRun.self, name: name, namespace: namespace, status: true) { run in
            var status = run.status ?? PipelineRun.Status()
            change(&status)
            run.status = status
        }
    }
}

/// A `c8s` child process with its output collected: a ``TestChildProcess``, started by ``start()`` or on the first
/// ``finish(limit:)``.
final class CLIProcess: Sendable {
    private let arguments: [String]
    private let directory: URL
    private let environment: [String: String]
    private let child = Mutex<TestChildProcess?>(nil)

    init(arguments: [String], directory: URL, environment: [String: String]) {
        self.arguments = arguments
        self.directory = directory
        self.environment = environment
    }

    /// The `c8s` binary built next to the test executable.
    static var binary: URL {
        URL(fileURLWithPath: builtExecutable("c8s"))
    }

    /// Starts the process unless it has been started.
    @discardableResult
    func start() throws -> TestChildProcess {
        try child.withLock { child in
            if let child { return child }
            let started = try TestChildProcess.start(
                executable: Self.binary.path, arguments: arguments, environment: environment,
                workingDirectory: directory.path)
            child = started
            return started
        }
    }

    var stdout: String { child.withLock { $0?.standardOutput ?? "" } }

    var stderr: String { child.withLock { $0?.standardError ?? "" } }

    /// Waits until standard output contains `text` (or the output ends), up to `timeout`.
    func waitForOutput(containing text: String, timeout: Duration = .seconds(60)) async throws {
        let process = try start()
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in process.lines() where process.standardOutput.contains(text) { return true }
                return process.standardOutput.contains(text)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            let found = try await group.next() ?? false
            group.cancelAll()
            if !found {
                Issue.record("c8s did not print \"\(text)\" in time; stdout: \(self.stdout) stderr: \(self.stderr)")
            }
        }
    }

    /// Runs the process (if not started) and waits for it to exit and its output to end, killing it after `limit`
    /// seconds.
    func finish(limit: Double = 120) async throws -> CLIResult {
        let process = try start()
        let termination: TestChildProcess.Termination
        do {
            termination = try await process.waitForExit(limit: .seconds(limit))
        } catch {
            process.signal(SIGTERM)
            Issue.record("c8s \(arguments) did not finish within \(limit)s")
            termination = try await process.waitForExit(limit: .seconds(30))
        }
        return CLIResult(status: termination.status, stdout: process.standardOutput, stderr: process.standardError)
    }
}

/// Pipelines used by the tests.
enum PipelineSpecFixture {
    static var twoSteps: PipelineSpec {
        PipelineSpec(steps: [
            PipelineStep(name: "build", image: "alpine:3.20", commands: ["make"]),
            PipelineStep(name: "test", image: "alpine:3.20", commands: ["make test"], dependsOn: ["build"]),
        ])
    }

    static let file = """
        repository: https://github.com/acme/shop
        steps:
          - name: build
            image: alpine:3.20
            commands: ["make"]
          - name: test
            image: alpine:3.20
            dependsOn: [build]
            commands: ["make test"]

        """
}
