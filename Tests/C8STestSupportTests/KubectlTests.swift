import C8STestSupport
import Foundation
import Testing

/// The real `kubectl` against the test API server, with a kubeconfig the server writes.
@Suite struct KubectlTests {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let kubectl: String? = {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(directory)/kubectl"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }()

    static func run(_ arguments: [String], kubeconfig: String) async throws -> Output {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kubectl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // The exit is awaited on a thread of its own, not a concurrency thread: the server under test needs them.
        return try await withTestChildProcess(
            executable: try #require(kubectl), arguments: ["--kubeconfig", kubeconfig] + arguments,
            environment: ["HOME": directory.path, "PATH": "/usr/bin:/bin", "KUBECACHEDIR": directory.path + "/cache"]
        ) { process in
            let termination = try await process.waitForExit(limit: .seconds(120))
            guard case .exited(let status) = termination else {
                throw KubectlFailure(description: "kubectl \(arguments) ended by \(termination): \(process.output)")
            }
            return Output(status: status, stdout: process.standardOutput, stderr: process.standardError)
        }
    }

    struct KubectlFailure: Error, CustomStringConvertible {
        var description: String
    }

    @Test(.enabled(if: kubectl != nil, "kubectl is not installed"))
    func applyGetUpdateDeleteAndRejectInvalid() async throws {
        try await withTestAPIServer { server in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "c8s-kube-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let kubeconfig = directory.appendingPathComponent("kubeconfig").path
            try server.writeKubeconfig(to: kubeconfig)
            func kubectl(_ arguments: String...) async throws -> Output {
                try await Self.run(arguments, kubeconfig: kubeconfig)
            }

            let crds = try await kubectl("apply", "-f", configDirectory + "/crd")
            #expect(crds.status == 0, "\(crds.stderr)")
            #expect(crds.stdout.contains("customresourcedefinition.apiextensions.k8s.io/pipelineruns.c8s.dev created"))

            let samples = try await kubectl("apply", "-f", configDirectory + "/samples")
            #expect(samples.status == 0, "\(samples.stderr)")
            #expect(samples.stdout.contains("pipelinerun.c8s.dev/shop-7f3a9c1 created"))
            #expect(samples.stdout.contains("pipelineconfig.c8s.dev/shop created"))
            #expect(samples.stdout.contains("repositoryconnection.c8s.dev/shop created"))

            let api = APIClient(server)
            let status = try await api.mergePatch(
                "/apis/c8s.dev/v1alpha1/namespaces/default/pipelineruns/shop-7f3a9c1/status",
                ["status": ["phase": "Running"]])
            #expect(status.status == 200)

            let table = try await kubectl("get", "pipelineruns")
            #expect(table.status == 0, "\(table.stderr)")
            let lines = table.stdout.split(separator: "\n").map(String.init)
            let header = try #require(lines.first)
            for column in ["NAME", "PHASE", "CONFIG", "COMMIT", "AGE"] { #expect(header.contains(column)) }
            let row = try #require(lines.dropFirst().first)
            #expect(row.hasPrefix("shop-7f3a9c1"))
            #expect(row.contains("Running"))
            #expect(row.contains("7f3a9c1e2b4d6f8a0c1e3b5d7f9a1c3e5b7d9f0a"))
            let short = try await kubectl("get", "c8srun", "-o", "name")
            #expect(short.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "pipelinerun.c8s.dev/shop-7f3a9c1")

            let yaml = try await kubectl("get", "pipelineruns", "shop-7f3a9c1", "-o", "yaml")
            #expect(yaml.status == 0, "\(yaml.stderr)")
            #expect(yaml.stdout.contains("kind: PipelineRun"))
            #expect(yaml.stdout.contains("generation: 1"))
            #expect(yaml.stdout.contains("phase: Running"))
            #expect(yaml.stdout.contains("cancel: false"), "schema defaults applied")

            let unchanged = try await kubectl("apply", "-f", configDirectory + "/samples/pipelinerun.yaml")
            #expect(unchanged.status == 0, "\(unchanged.stderr)")
            #expect(unchanged.stdout.contains("unchanged"))
            let edited = try String(contentsOfFile: configDirectory + "/samples/pipelinerun.yaml", encoding: .utf8)
                .replacingOccurrences(of: "branch: main", with: "branch: release/1.0")
            let editedPath = directory.appendingPathComponent("run.yaml").path
            try edited.write(toFile: editedPath, atomically: true, encoding: .utf8)
            let update = try await kubectl("apply", "-f", editedPath)
            #expect(update.status == 0, "\(update.stderr)")
            #expect(update.stdout.contains("pipelinerun.c8s.dev/shop-7f3a9c1 configured"))
            let generation = try await kubectl(
                "get", "pipelinerun", "shop-7f3a9c1", "-o",
                "jsonpath={.metadata.generation} {.spec.branch} {.status.phase}")
            #expect(generation.stdout == "2 release/1.0 Running")

            let serverSide = try await kubectl(
                "apply", "--server-side", "-f", configDirectory + "/samples/repositoryconnection.yaml")
            #expect(serverSide.status == 0, "\(serverSide.stderr)")

            let deleted = try await kubectl("delete", "-f", configDirectory + "/samples/pipelinerun.yaml")
            #expect(deleted.status == 0, "\(deleted.stderr)")
            #expect(deleted.stdout.contains("pipelinerun.c8s.dev \"shop-7f3a9c1\" deleted"))
            let empty = try await kubectl("get", "pipelineruns")
            #expect(empty.stderr.contains("No resources found"))

            let invalid = try await kubectl("apply", "-f", configDirectory + "/samples/invalid")
            #expect(invalid.status != 0)
            #expect(invalid.stderr.contains("spec.steps[0].name: Invalid value: \"Bad_Name\""))
            #expect(invalid.stderr.contains("spec.timeout"))
        }
    }
}
