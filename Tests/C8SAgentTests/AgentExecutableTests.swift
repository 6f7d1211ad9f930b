import AsyncHTTPClient
import C8SAPI
import C8SKube
import C8SLogs
import C8STestSupport
import Foundation
import Testing

/// The real `c8s-agent` executable against the test API server and the simulator: it logs its bound port, ships
/// a step's log, and exits 0 on SIGTERM.
@Suite(.timeLimit(.minutes(5))) struct AgentExecutableTests {
    static var binary: URL {
        URL(fileURLWithPath: builtExecutable("c8s-agent"))
    }

    @Test func executableShipsALogAndExitsCleanlyOnSIGTERM() async throws {
        try await AgentCluster.with { cluster in
            let kubeconfig = cluster.root + "/kubeconfig"
            try cluster.server.writeKubeconfig(to: kubeconfig)
            let storePath = try cluster.directory("store")
            try await cluster.createSecret("exe", ["token": secretValue])
            try await cluster.createRun("exe")

            var environment = ProcessInfo.processInfo.environment
            environment["POD_IP"] = "127.0.0.1"
            try await withTestChildProcess(
                executable: Self.binary.path,
                arguments: [
                    "--kubeconfig", kubeconfig, "--node-name", "node-b", "--log-root", cluster.logRoot,
                    "--state-dir", try cluster.directory("state"), "--log-store", "file://\(storePath)",
                    "--http-port", "0", "--namespace", "default", "--status-interval", "0.2", "--log-level", "debug",
                ],
                environment: environment
            ) { process in
                let port = try await process.waitForLoggedPort(within: .seconds(60))
                #expect(port > 0)
                try await cluster.createStepJob(
                    run: "exe", step: "hello", node: "node-b", script: "echo hello $TOKEN; echo bye",
                    env: [.secret("TOKEN", secretName: "exe", key: "token")])
                let run = try await cluster.waitForCompleteLogs(run: "exe", step: "hello")
                #expect(run.status?[step: "hello"]?.logURL == "file://\(storePath)/default/exe/hello/")
                let pod = try await cluster.waitForPod(run: "exe", step: "hello", "released") {
                    !($0.metadata.finalizers ?? []).contains(C8SFinalizers.logs)
                }
                #expect(pod.metadata.annotations?[C8SAnnotations.agentURL] == "http://127.0.0.1:\(port)")
                let records = try await storedRecords(
                    DirectoryLogStore(root: storePath), namespace: "default", run: "exe", step: "hello",
                    container: "step")
                #expect(records.map(\.record.text) == ["hello ***", "bye"])
                let health = try await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
                #expect(health.status == .ok)

                process.signal(SIGTERM)
                let status = try await process.waitForExit(limit: .seconds(60))
                let text = process.output
                #expect(status == .exited(0), "output: \(text)")
                #expect(!text.contains(secretValue))
            }
        }
    }
}
