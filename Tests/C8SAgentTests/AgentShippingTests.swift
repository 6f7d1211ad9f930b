import AsyncHTTPClient
import C8SAPI
import C8SAgent
import C8SKube
import C8SLogs
import C8STestSupport
import Foundation
import Testing

/// Where a test's logs go.
enum StoreKind: String, Sendable, CustomTestStringConvertible {
    case directory
    case seaweedFS
    var testDescription: String { rawValue }
}

/// Runs `body` with a store of `kind` (a directory under `root`, or a bucket prefix on a real SeaweedFS server).
func withStore<T: Sendable>(
    _ kind: StoreKind, root: String, _ body: @escaping @Sendable (any LogStore, LogStoreURL) async throws -> T
) async throws -> T {
    switch kind {
    case .directory:
        let path = root + "/store"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return try await body(DirectoryLogStore(root: path), try LogStoreURL("file://\(path)"))
    case .seaweedFS:
        return try await SeaweedFSServer.withServer { server in
            let prefix = "agent-\(UUID().uuidString.prefix(8))"
            let store = try S3LogStore(
                configuration: S3Configuration(
                    endpoint: server.endpoint, bucket: server.bucket, prefix: prefix,
                    credentials: .fixed(
                        S3Credentials(accessKeyID: server.accessKey, secretAccessKey: server.secretKey)),
                    connectTimeoutMillis: 2000, requestTimeoutMillis: 30_000, maxAttempts: 3, initialBackoffMillis: 20,
                    maxBackoffMillis: 200))
            return try await body(store, try LogStoreURL("s3://\(server.bucket)/\(prefix)"))
        }
    }
}

let secretValue = "hunter2-Sup3rSecret-value"

@Suite(.timeLimit(.minutes(5))) struct AgentShippingTests {
    /// A step with an init container and a Secret in its environment: every line stored in order and masked,
    /// the status summary and logURL written and complete, the finalizer removed only after that, the Pod
    /// annotated with the agent's URL, and the secret's value nowhere (store, status, the agent's own logs).
    @Test(arguments: [StoreKind.directory, .seaweedFS])
    func shipsAStepLogMaskedAndCompletesIt(kind: StoreKind) async throws {
        try await AgentCluster.with { cluster in
            try await withStore(kind, root: cluster.root) { store, storeURL in
                try await cluster.createSecret("deploy", ["token": secretValue, "user": "robot"])
                try await cluster.createRun("r1")
                let logs = CapturedLogs()
                try await cluster.withAgent(
                    node: "node-a", store: store, storeURL: storeURL, stateDirectory: try cluster.directory("state"),
                    logs: logs
                ) { agent in
                    try await cluster.createStepJob(
                        run: "r1", step: "build", node: "node-a",
                        script: """
                            echo "starting with token=$TOKEN"
                            i=0; while [ $i -lt 300 ]; do echo "line $i of the build"; i=$((i+1)); done
                            echo "error: token $TOKEN" >&2
                            """,
                        env: [.secret("TOKEN", secretName: "deploy", key: "token")],
                        initScript: "echo preparing; echo prepared")

                    // The run's status is complete before the Pod's finalizer goes (resourceVersions are ordered).
                    async let released = cluster.waitForPod(run: "r1", step: "build", "logs finalizer removed") {
                        $0.status?.phase == "Succeeded" && !($0.metadata.finalizers ?? []).contains(C8SFinalizers.logs)
                    }
                    let run = try await cluster.waitForCompleteLogs(run: "r1", step: "build")
                    let pod = try await released
                    let runVersion = try #require(Int(run.metadata.resourceVersion ?? ""))
                    let podVersion = try #require(Int(pod.metadata.resourceVersion ?? ""))
                    #expect(runVersion < podVersion, "the finalizer was removed before the status said complete")

                    // Status.
                    let status = try #require(run.status?[step: "build"])
                    #expect(status.logURL == storeURL.logURL(namespace: "default", run: "r1", step: "build"))
                    #expect(status.logs?.lines == 304)
                    #expect((status.logs?.chunks ?? 0) >= 2)
                    #expect((status.logs?.bytes ?? 0) > 300 * 10)
                    #expect(pod.metadata.annotations?[C8SAnnotations.agentURL] == agent.baseURL)

                    // Every line, in order, masked.
                    let records = try await storedRecords(
                        store, namespace: "default", run: "r1", step: "build", container: "step")
                    #expect(records.map(\.lineNumber) == Array(0..<Int64(records.count)))
                    let stdout = records.filter { $0.record.stream == .stdout }.map(\.record.text)
                    #expect(stdout == ["starting with token=***"] + (0..<300).map { "line \($0) of the build" })
                    #expect(records.filter { $0.record.stream == .stderr }.map(\.record.text) == ["error: token ***"])
                    let prepare = try await storedRecords(
                        store, namespace: "default", run: "r1", step: "build", container: "prepare")
                    #expect(prepare.map(\.record.text) == ["preparing", "prepared"])

                    // The secret is in no stored object (chunks decompressed with the zstd tool), nor in the
                    // status, nor in the agent's logs.
                    let objects = try await storedObjects(store)
                    let chunkKeys = objects.keys.filter { $0.hasSuffix(".zst") }.sorted()
                    #expect(chunkKeys.count == Int(status.logs?.chunks ?? 0))
                    var decompressed: [String: [UInt8]] = [:]
                    for key in chunkKeys {
                        decompressed[key] = try await zstdDecompress(objects[key]!, scratch: cluster.root)
                    }
                    let first = try #require(chunkKeys.first { $0.contains("/step/chunk-") })
                    #expect(decompressed[first]!.contains("starting with token=***"))
                    for (key, bytes) in objects.merging(decompressed, uniquingKeysWith: { $1 }) {
                        #expect(!bytes.contains(secretValue), "the secret is in \(key)")
                    }
                    let runJSON = try KubeCodec.json(try await cluster.client.get(PipelineRun.self, name: "r1"))
                    #expect(!"\(runJSON)".contains(secretValue))
                    #expect(!logs.text.isEmpty)
                    #expect(!logs.text.contains(secretValue))
                    #expect(!logs.text.contains(Data(secretValue.utf8).base64EncodedString()))

                    // Metrics count what was shipped.
                    let metrics = try await HTTPClient.shared.execute(
                        HTTPClientRequest(url: agent.baseURL + "/metrics"), timeout: .seconds(10))
                    #expect(metrics.status == .ok)
                    let text = String(buffer: try await metrics.body.collect(upTo: 1 << 20))
                    #expect(text.contains("c8s_agent_shipped_lines_total 304"))
                    #expect(text.contains("c8s_agent_status_write_failures_total"))
                    let ready = try await HTTPClient.shared.execute(
                        HTTPClientRequest(url: agent.baseURL + "/readyz"), timeout: .seconds(10))
                    #expect(ready.status == .ok)
                }
            }
        }
    }

    /// A Job deleted right after it finishes (`ttlSecondsAfterFinished: 0`) still has its whole log stored: the
    /// finalizer holds the Pod until then, and the Pod goes once the agent releases it.
    @Test func shortJobTTLStillStoresTheWholeLog() async throws {
        try await AgentCluster.with { cluster in
            try await withStore(.directory, root: cluster.root) { store, storeURL in
                try await cluster.createRun("ttl")
                try await cluster.withAgent(
                    node: "node-b", store: store, storeURL: storeURL, stateDirectory: try cluster.directory("state")
                ) { _ in
                    try await cluster.createStepJob(
                        run: "ttl", step: "quick", node: "node-b",
                        script: "i=0; while [ $i -lt 2000 ]; do echo \"quick line $i\"; i=$((i+1)); done", ttl: 0)
                    let job = PipelineRun.jobName(run: "ttl", step: "quick")
                    // The Job goes; its Pod goes once the agent removed the finalizer.
                    try await cluster.waitFor(
                        Job.self, selector: ListOptions(fieldSelector: "metadata.name=\(job)"),
                        "Job \(job) deleted by its TTL"
                    ) { $0.isEmpty ? true : nil }
                    try await cluster.waitFor(
                        Pod.self, selector: ListOptions(labelSelector: "job-name=\(job)"),
                        "Pods of \(job) deleted"
                    ) { $0.isEmpty ? true : nil }
                    let run = try await cluster.waitForCompleteLogs(run: "ttl", step: "quick")
                    #expect(run.status?[step: "quick"]?.logs?.lines == 2000)
                    let records = try await storedRecords(
                        store, namespace: "default", run: "ttl", step: "quick", container: "step")
                    #expect(records.map(\.record.text) == (0..<2000).map { "quick line \($0)" })
                }
            }
        }
    }
}
