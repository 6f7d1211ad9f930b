import AsyncHTTPClient
import C8SAPI
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import NIOCore
import Testing

/// The `c8s-coordinator` executable serves the webhook endpoints on its HTTP port by default.
@Suite struct TriggersExecutableTests {
    @Test func executableServesWebhooks() async throws {
        try await ReconcilerHarness.with { h in
            let (directory, kubeconfig) = try h.makeExecutableDirectory("c8s-hook")
            defer { try? FileManager.default.removeItem(at: directory) }
            try await TriggersKubeTests.seed(h)

            try await withTestChildProcess(
                executable: ReconcilerExecutableTests.binary.path,
                arguments: [
                    "--kubeconfig", kubeconfig, "--namespace", "default", "--lease-namespace", "default",
                    "--identity", "hook-test", "--http-port", "0",
                ]
            ) { process in
                let port = try await process.waitForLoggedPort(within: .seconds(120))
                let body = try Fixture.bytes("github", "push")
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/github")
                request.method = .POST
                for (name, value) in Delivery.pairs(
                    forge: "github", event: "push", body: body, secret: TriggersKubeTests.secret,
                    delivery: "exe-delivery")
                {
                    request.headers.add(name: name, value: value)
                }
                request.body = .bytes(ByteBuffer(bytes: body))
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                #expect(response.status == .accepted)
                let runs = try await h.client.list(PipelineRun.self, namespace: h.namespace).items
                #expect(runs.count == 1)
                #expect(runs.first?.spec.commit == TriggersKubeTests.pushCommit)

                process.signal(SIGTERM)
                let status = try await process.waitForExit(limit: .seconds(60))
                let log = process.output
                #expect(status == .exited(0), "output: \(log)")
                #expect(!log.contains(TriggersKubeTests.secret), "the webhook secret must never be logged")
            }
        }
    }
}
