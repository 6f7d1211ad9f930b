import AsyncHTTPClient
import C8SAPI
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import Testing

/// `c8s-coordinator --log-store ... --external-url ...` serves the REST API and the bootstrapped `/metrics`.
@Suite struct APIExecutableTests {
    @Test func executableServesMetricsAndTheAPI() async throws {
        try await ReconcilerHarness.with { h in
            let (directory, kubeconfig) = try h.makeExecutableDirectory("c8s-api-exe")
            defer { try? FileManager.default.removeItem(at: directory) }
            try await h.createConfig("exe", PipelineSpec(steps: [step("a")]))
            try await h.createRun("exe-1", config: "exe")

            try await withTestChildProcess(
                executable: ReconcilerExecutableTests.binary.path,
                arguments: [
                    "--kubeconfig", kubeconfig, "--namespace", "default", "--no-leader-elect", "--http-port", "0",
                    "--log-store", "file://\(directory.path)/logs", "--external-url", "https://c8s.example.com",
                ]
            ) { process in
                let port = try await process.waitForLoggedPort(within: .seconds(120))
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
                #expect(process.output.contains("log.store=file://\(directory.path)/logs"))

                process.signal(SIGTERM)
                let status = try await process.waitForExit(limit: .seconds(60))
                #expect(status == .exited(0), "output: \(process.output)")
            }
        }
    }
}
