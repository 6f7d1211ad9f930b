import C8SAPI
import C8SCoordinator
import C8SCore
import C8SKube
import Foundation
import Testing

@Suite("Status reporting: commit status at run start and end")
struct StatusReportingTests {
    static let sha = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    static let settings = CommitStatusConfiguration(
        externalURL: "https://c8s.example.com/",
        retryPolicy: .init(
            maximumAttempts: 3, initialBackoff: .milliseconds(5), maximumBackoff: .milliseconds(20),
            requestTimeout: .seconds(5)))

    /// A Gitea repository served by the fake forge, connected to config `shop` with a token Secret.
    static func connect(_ h: ReconcilerHarness, forgePort: Int, provider: String = "gitea") async throws {
        try h.server.create([
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "forge-token", "namespace": "default"],
            "data": ["token": .string(Data("s3cret\n".utf8).base64EncodedString())],
        ])
        _ = try await h.client.create(
            C8SAPI.RepositoryConnection(
                metadata: ObjectMeta(name: "shop", namespace: "default"),
                spec: .init(
                    repository: "http://127.0.0.1:\(forgePort)/acme/shop.git", provider: .init(rawValue: provider)!,
                    webhookSecretRef: .init(name: "forge-token", key: "token"),
                    authSecretRef: .init(name: "forge-token", key: "token"), pipelineConfigRef: .init(name: "shop"))))
        try await h.createConfig("shop", PipelineSpec(steps: [step("build")]))
    }

    func waitForReported(_ h: ReconcilerHarness, _ run: String, _ phase: String) async throws {
        try await h.eventually("commit status \(phase) of \(run)") {
            try await h.run(run).metadata.annotations?[CommitStatusProgress.annotation] == phase ? true : nil
        }
    }

    @Test func reportsStartAndEndOnceEachWithTheDocumentedRequest() async throws {
        try await RecordingForge.withServer { forge, port in
            try await ReconcilerHarness.with { h in
                try await Self.connect(h, forgePort: port)
                let configuration = ReconcilerConfiguration(namespace: "default", commitStatus: Self.settings)
                try await h.withReconciler(configuration: configuration) {
                    try await h.createRun("shop-1", config: "shop", commit: Self.sha)
                    _ = try await h.waitForJob(run: "shop-1", step: "build")
                    let started = try await h.eventually("a started status") {
                        let annotation = try await h.run("shop-1").metadata.annotations?[
                            CommitStatusProgress.annotation]
                        return annotation == "Pending" || annotation == "Running" ? annotation : nil
                    }
                    #expect(await forge.requests.count == 1)
                    try await h.finish(run: "shop-1", step: "build")
                    try await h.waitForRun("shop-1", .succeeded)
                    try await waitForReported(h, "shop-1", "Succeeded")
                    #expect(started == "Pending" || started == "Running")
                }
                // A restarted reconciler reports nothing again for the finished run; a new run still gets both.
                try await h.withReconciler(configuration: configuration) {
                    try await h.createRun("shop-2", config: "shop", commit: Self.sha)
                    _ = try await h.waitForJob(run: "shop-2", step: "build")
                    try await h.finish(run: "shop-2", step: "build", exitCode: 1)
                    try await h.waitForRun("shop-2", .failed)
                    try await waitForReported(h, "shop-2", "Failed")
                }
            }
            let requests = await forge.requests
            #expect(requests.count == 4)
            let states = requests.map { $0.body?["state"]?.stringValue }
            #expect(states == ["pending", "success", "pending", "failure"])
            for request in requests {
                #expect(request.path == "/api/v1/repos/acme/shop/statuses/\(Self.sha)")
                #expect(request.headers["authorization"] == "token s3cret")
                #expect(request.headers["content-type"] == "application/json")
                #expect(request.body?["context"]?.stringValue == "c8s/shop")
            }
            #expect(requests[0].body?["target_url"]?.stringValue == "https://c8s.example.com/runs/default/shop-1")
            #expect(requests[1].body?["description"]?.stringValue == "Run succeeded")
            #expect(requests[3].body?["target_url"]?.stringValue == "https://c8s.example.com/runs/default/shop-2")
        }
    }

    @Test func aFailingForgeNeverFailsTheRun() async throws {
        // Every attempt of the first report fails (3 attempts); the end report goes through.
        try await RecordingForge.withServer(script: [500, 502, 503]) { forge, port in
            try await ReconcilerHarness.with { h in
                try await Self.connect(h, forgePort: port, provider: "gitlab")
                let configuration = ReconcilerConfiguration(namespace: "default", commitStatus: Self.settings)
                try await h.withReconciler(configuration: configuration) {
                    try await h.createRun("shop-3", config: "shop", commit: Self.sha)
                    _ = try await h.waitForJob(run: "shop-3", step: "build")
                    try await h.eventually("three failed attempts") { await forge.requests.count >= 3 ? true : nil }
                    try await h.finish(run: "shop-3", step: "build")
                    let run = try await h.waitForRun("shop-3", .succeeded)
                    #expect(run.status?.phase == .succeeded)
                    try await waitForReported(h, "shop-3", "Succeeded")
                }
                let events = try await h.client.list(C8SKube.Event.self, namespace: "default").items
                let failure = events.first { $0.reason == "CommitStatusFailed" }
                #expect(failure?.type == "Warning")
                #expect(failure?.message?.contains("s3cret") == false)
            }
            // Three failed attempts at the start status; it may be retried (delivered) when the run changes before it
            // ends; the end status is delivered once.
            let requests = await forge.requests
            #expect(requests.count == 4 || requests.count == 5)
            #expect(requests.filter { $0.body?["state"]?.stringValue == "success" }.count == 1)
            #expect(requests.prefix(3).allSatisfy { $0.body?["state"]?.stringValue != "success" })
            #expect(requests.last?.path == "/api/v4/projects/acme%2Fshop/statuses/\(Self.sha)")
            #expect(requests.last?.headers["private-token"] == "s3cret")
            #expect(requests.last?.body?["state"]?.stringValue == "success")
            #expect(requests.last?.body?["ref"]?.stringValue == "main")
        }
    }

    @Test func progressReportsOncePerTransition() {
        #expect(CommitStatusProgress.next(phase: nil, reported: nil) == nil)
        #expect(CommitStatusProgress.next(phase: .pending, reported: nil) == .pending)
        #expect(CommitStatusProgress.next(phase: .running, reported: nil) == .running)
        #expect(CommitStatusProgress.next(phase: .running, reported: "Pending") == nil)
        #expect(CommitStatusProgress.next(phase: .succeeded, reported: "Running") == .succeeded)
        #expect(CommitStatusProgress.next(phase: .succeeded, reported: nil) == .succeeded)
        #expect(CommitStatusProgress.next(phase: .succeeded, reported: "Succeeded") == nil)
        #expect(CommitStatusProgress.next(phase: .cancelled, reported: "Pending") == .cancelled)
    }
}
