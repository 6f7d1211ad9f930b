import AsyncHTTPClient
import C8SAPI
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import Synchronization
import Testing

/// `c8s-coordinator --log-store ... --external-url ...` serves the REST API and the bootstrapped `/metrics`.
@Suite struct APIExecutableTests {
    @Test func executableServesMetricsAndTheAPI() async throws {
        try await ReconcilerHarness.with { h in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("c8s-api-exe-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let kubeconfig = directory.appendingPathComponent("kubeconfig").path
            try h.server.writeKubeconfig(to: kubeconfig)
            try await h.createConfig("exe", PipelineSpec(steps: [step("a")]))
            try await h.createRun("exe-1", config: "exe")

            let process = Process()
            process.executableURL = ReconcilerExecutableTests.binary
            process.arguments = [
                "--kubeconfig", kubeconfig, "--namespace", "default", "--no-leader-elect", "--http-port", "0",
                "--log-store", "file://\(directory.path)/logs", "--external-url", "https://c8s.example.com",
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
            try await h.finish(run: "exe-1", step: "a")
            try await h.waitForRun("exe-1", .succeeded)

            let metrics = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(5))
            #expect(metrics.status == .ok)
            let text = String(buffer: try await metrics.body.collect(upTo: 1 << 20))
            #expect(text.contains("c8s_runs_started_total 1"))
            #expect(text.contains(#"c8s_runs_finished_total{phase="Succeeded"} 1"#))

            // Without a token the API asks for one (the test server has no auth model, so no token would pass).
            let api = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/namespaces/default/pipelineruns"),
                timeout: .seconds(5))
            #expect(api.status == .unauthorized)
            #expect(api.headers.first(name: "WWW-Authenticate") == "Bearer")
            #expect(buffer.withLock { $0 }.contains("log.store=file://\(directory.path)/logs"))

            kill(process.processIdentifier, SIGTERM)
            var exitIterator = exits.makeAsyncIterator()
            let status = await exitIterator.next()
            output.fileHandleForReading.readabilityHandler = nil
            #expect(status == 0, "output: \(buffer.withLock { $0 })")
        }
    }
}
