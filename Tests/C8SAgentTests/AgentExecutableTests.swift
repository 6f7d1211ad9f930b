import AsyncHTTPClient
import C8SAPI
import C8SKube
import C8SLogs
import C8STestSupport
import Foundation
import Synchronization
import Testing

/// The real `c8s-agent` executable against the test API server and the simulator: it logs its bound port, ships
/// a step's log, and exits 0 on SIGTERM.
@Suite(.timeLimit(.minutes(5))) struct AgentExecutableTests {
    static var binary: URL {
        let executable = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0])
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("c8s-agent")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: agentRepositoryRoot + "/.build/debug/c8s-agent")
    }

    @Test func executableShipsALogAndExitsCleanlyOnSIGTERM() async throws {
        try await AgentCluster.with { cluster in
            let kubeconfig = cluster.root + "/kubeconfig"
            try cluster.server.writeKubeconfig(to: kubeconfig)
            let storePath = try cluster.directory("store")
            try await cluster.createSecret("exe", ["token": secretValue])
            try await cluster.createRun("exe")

            let process = Process()
            process.executableURL = Self.binary
            process.arguments = [
                "--kubeconfig", kubeconfig, "--node-name", "node-b", "--log-root", cluster.logRoot,
                "--state-dir", try cluster.directory("state"), "--log-store", "file://\(storePath)",
                "--http-port", "0", "--namespace", "default", "--status-interval", "0.2", "--log-level", "debug",
            ]
            var environment = ProcessInfo.processInfo.environment
            environment["POD_IP"] = "127.0.0.1"
            process.environment = environment
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

            let port = try #require(
                await withDeadline(.seconds(60), "the agent's port") { await ports.first { _ in true } })
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
                DirectoryLogStore(root: storePath), namespace: "default", run: "exe", step: "hello", container: "step")
            #expect(records.map(\.record.text) == ["hello ***", "bye"])
            let health = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
            #expect(health.status == .ok)

            kill(process.processIdentifier, SIGTERM)
            let status = try await withDeadline(.seconds(60), "the agent to exit") { await exits.first { _ in true } }
            output.fileHandleForReading.readabilityHandler = nil
            let text = buffer.withLock { $0 }
            #expect(status == 0, "output: \(text)")
            #expect(!text.contains(secretValue))
        }
    }
}
