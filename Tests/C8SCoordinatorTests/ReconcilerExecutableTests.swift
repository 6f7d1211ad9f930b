import AsyncHTTPClient
import C8SAPI
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import Synchronization
import Testing

/// The `c8s-coordinator` executable against the test API server: it reconciles, serves health, and exits cleanly
/// on SIGTERM.
@Suite struct ReconcilerExecutableTests {
    static var binary: URL {
        let executable = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0])
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("c8s-coordinator")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: reconcilerRepositoryRoot + "/.build/debug/c8s-coordinator")
    }

    @Test func executableReconcilesAndShutsDownOnSIGTERM() async throws {
        try await ReconcilerHarness.with { h in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("c8s-coord-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let kubeconfig = directory.appendingPathComponent("kubeconfig").path
            try h.server.writeKubeconfig(to: kubeconfig)

            try await h.createConfig("exe", PipelineSpec(steps: [step("a")]))
            try await h.createRun("exe-1", config: "exe")

            let process = Process()
            process.executableURL = Self.binary
            process.arguments = [
                "--kubeconfig", kubeconfig, "--namespace", "default", "--lease-namespace", "default",
                "--identity", "exe-test", "--http-port", "0", "--job-ttl-seconds", "120",
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
                    let port = Int(text[range].dropFirst("http.port=".count)) ?? 0
                    portContinuation.yield(port)
                    portContinuation.finish()
                }
            }
            let (exits, exitContinuation) = AsyncStream.makeStream(of: Int32.self)
            process.terminationHandler = { exitContinuation.yield($0.terminationStatus); exitContinuation.finish() }
            try process.run()
            defer { if process.isRunning { process.terminate() } }

            let job = try await h.waitForJob(run: "exe-1", step: "a")
            #expect(job.spec?.ttlSecondsAfterFinished == 120)
            var portIterator = ports.makeAsyncIterator()
            let port = try #require(await portIterator.next())
            let health = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(5))
            #expect(health.status == .ok)
            let lease = try await h.client.get(Lease.self, name: "c8s-coordinator", namespace: "default")
            #expect(lease.spec?.holderIdentity == "exe-test")

            kill(process.processIdentifier, SIGTERM)
            var exitIterator = exits.makeAsyncIterator()
            let status = await exitIterator.next()
            output.fileHandleForReading.readabilityHandler = nil
            #expect(status == 0, "output: \(buffer.withLock { $0 })")
        }
    }
}
