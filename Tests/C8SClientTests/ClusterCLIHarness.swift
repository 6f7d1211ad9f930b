import C8SAPI
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import Logging
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

/// A `c8s` child process with its output collected.
final class CLIProcess: @unchecked Sendable {
    let process = Process()
    private let out = Pipe()
    private let err = Pipe()
    private let lock = NSLock()
    private var outData = Data()
    private var errData = Data()
    private var finishResumed = false
    private let group = DispatchGroup()
    /// Yields every chunk of standard output as it arrives.
    let chunks: AsyncStream<String>
    private let chunkContinuation: AsyncStream<String>.Continuation
    /// Finishes when the process has exited.
    private let exited: AsyncStream<Void>

    init(arguments: [String], directory: URL, environment: [String: String]) {
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        (chunks, chunkContinuation) = AsyncStream.makeStream()
        let (exited, exit) = AsyncStream<Void>.makeStream()
        self.exited = exited
        process.terminationHandler = { _ in exit.finish() }
    }

    /// The `c8s` binary built next to the test executable.
    static var binary: URL {
        let executable = URL(
            fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments[0])
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("c8s")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue
            {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/c8s")
    }

    func start() throws {
        try process.run()
        for (pipe, isOut) in [(out, true), (err, false)] {
            group.enter()
            // Blocking reads on threads of their own: neither the concurrency pool nor Dispatch's workers wait.
            Thread {
                let handle = pipe.fileHandleForReading
                while true {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    self.lock.lock()
                    if isOut { self.outData.append(data) } else { self.errData.append(data) }
                    self.lock.unlock()
                    if isOut { self.chunkContinuation.yield(String(decoding: data, as: UTF8.self)) }
                }
                if isOut { self.chunkContinuation.finish() }
                self.group.leave()
            }.start()
        }
    }

    var stdout: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: outData, as: UTF8.self)
    }

    var stderr: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: errData, as: UTF8.self)
    }

    /// Waits until standard output contains `text` (or the output ends), up to `timeout`.
    func waitForOutput(containing text: String, timeout: Duration = .seconds(60)) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                if self.stdout.contains(text) { return true }
                for await _ in self.chunks where self.stdout.contains(text) { return true }
                return self.stdout.contains(text)
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

    /// Runs the process (if not started) and waits for it to exit, killing it after `limit` seconds.
    func finish(limit: Double = 120) async throws -> CLIResult {
        if !process.isRunning && process.processIdentifier == 0 { try start() }
        let finished = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let resume = { @Sendable (finished: Bool) in
                self.lock.lock()
                let first = !self.finishResumed
                self.finishResumed = true
                self.lock.unlock()
                if first { continuation.resume(returning: finished) }
            }
            group.notify(queue: .global()) { resume(true) }
            DispatchQueue.global().asyncAfter(deadline: .now() + limit) { resume(false) }
        }
        if !finished {
            process.terminate()
            Issue.record("c8s \(process.arguments ?? []) did not finish within \(limit)s")
        }
        for await _ in exited {}
        return CLIResult(status: process.terminationStatus, stdout: stdout, stderr: stderr)
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
