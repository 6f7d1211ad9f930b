import AsyncHTTPClient
import C8SAPI
import C8SCore
import C8SKube
import Foundation
import NIOCore
import Synchronization
import Testing

/// The `c8s-coordinator` executable serves the webhook endpoints on its HTTP port by default.
@Suite struct TriggersExecutableTests {
    @Test func executableServesWebhooks() async throws {
        try await ReconcilerHarness.with { h in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("c8s-hook-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let kubeconfig = directory.appendingPathComponent("kubeconfig").path
            try h.server.writeKubeconfig(to: kubeconfig)
            try await TriggersKubeTests.seed(h)

            let process = Process()
            process.executableURL = ReconcilerExecutableTests.binary
            process.arguments = [
                "--kubeconfig", kubeconfig, "--namespace", "default", "--lease-namespace", "default",
                "--identity", "hook-test", "--http-port", "0",
            ]
            let output = Pipe()
            process.standardError = output
            process.standardOutput = output
            let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
            let buffer = Mutex("")
            output.fileHandleForReading.readabilityHandler = { handle in
                let chunk = String(decoding: handle.availableData, as: UTF8.self)
                let text = buffer.withLock { $0 += chunk; return $0 }
                if let range = text.range(of: #"http\.port=(\d+)"#, options: .regularExpression) {
                    portContinuation.yield(Int(text[range].dropFirst("http.port=".count)) ?? 0)
                    portContinuation.finish()
                }
            }
            let (exits, exitContinuation) = AsyncStream.makeStream(of: Int32.self)
            process.terminationHandler = { exitContinuation.yield($0.terminationStatus); exitContinuation.finish() }
            try process.run()
            defer { if process.isRunning { process.terminate() } }

            var portIterator = ports.makeAsyncIterator()
            let port = try #require(await portIterator.next())
            let body = try Fixture.bytes("github", "push")
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/github")
            request.method = .POST
            for (name, value) in Delivery.pairs(
                forge: "github", event: "push", body: body, secret: TriggersKubeTests.secret, delivery: "exe-delivery")
            {
                request.headers.add(name: name, value: value)
            }
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.status == .accepted)
            let runs = try await h.client.list(PipelineRun.self, namespace: h.namespace).items
            #expect(runs.count == 1)
            #expect(runs.first?.spec.commit == TriggersKubeTests.pushCommit)

            kill(process.processIdentifier, SIGTERM)
            var exitIterator = exits.makeAsyncIterator()
            let status = await exitIterator.next()
            output.fileHandleForReading.readabilityHandler = nil
            let log = buffer.withLock { $0 }
            #expect(status == 0, "output: \(log)")
            #expect(!log.contains(TriggersKubeTests.secret), "the webhook secret must never be logged")
        }
    }
}
