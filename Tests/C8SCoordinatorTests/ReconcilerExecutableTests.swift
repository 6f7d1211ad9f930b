import AsyncHTTPClient
import C8SAPI
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import Testing

/// The `c8s-coordinator` executable against the test API server: it reconciles, serves health, and exits cleanly
/// on SIGTERM.
@Suite struct ReconcilerExecutableTests {
    static var binary: URL {
        URL(fileURLWithPath: builtExecutable("c8s-coordinator"))
    }

    @Test func executableReconcilesAndShutsDownOnSIGTERM() async throws {
        try await ReconcilerHarness.with { h in
            let (directory, kubeconfig) = try h.makeExecutableDirectory("c8s-coord")
            defer { try? FileManager.default.removeItem(at: directory) }

            try await h.createConfig("exe", PipelineSpec(steps: [step("a")]))
            try await h.createRun("exe-1", config: "exe")

            try await withTestChildProcess(
                executable: Self.binary.path,
                arguments: [
                    "--kubeconfig", kubeconfig, "--namespace", "default", "--lease-namespace", "default",
                    "--identity", "exe-test", "--http-port", "0", "--job-ttl-seconds", "120",
                ]
            ) { process in
                let job = try await h.waitForJob(run: "exe-1", step: "a")
                #expect(job.spec?.ttlSecondsAfterFinished == 120)
                let port = try await process.waitForLoggedPort(within: .seconds(120))
                let health = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
                #expect(health.status == .ok)
                let lease = try await h.client.get(Lease.self, name: "c8s-coordinator", namespace: "default")
                #expect(lease.spec?.holderIdentity == "exe-test")

                process.signal(SIGTERM)
                let status = try await process.waitForExit(limit: .seconds(60))
                #expect(status == .exited(0), "output: \(process.output)")
            }
        }
    }
}
