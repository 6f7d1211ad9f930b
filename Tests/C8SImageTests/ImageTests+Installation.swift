import C8SLogs
import C8STestSupport
import Foundation
import Testing

extension ImageTests {
    /// The images installed as a cluster would run them, against the in-memory API server with two simulated nodes
    /// (`c8s-sim`) and SeaweedFS on loopback: the coordinator container (host network, the kubeconfig mounted
    /// read-only), one agent container per node (the node's Pod logs mounted read-only at /var/log/pods, a state
    /// directory, the S3 settings and credentials in the environment as the DaemonSet passes them), and the CLI
    /// container applying and running examples/diamond. The run succeeds, every step's log is complete in S3, and
    /// every process in the containers runs as uid 65532.
    @Test func containersRunTheDiamondPipeline() async throws {
        let images = try await TestImages.shared()
        let podman = try Podman.executable()
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("c8s-images-\(UUID().uuidString.prefix(8).lowercased())").path
        let suffix = String(root.suffix(8))
        try FileManager.default.createDirectory(atPath: root + "/pods", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let nodes = ["node-a", "node-b"]
        for node in nodes {
            // The agent writes its checkpoints and S3 spool here, as uid 65532.
            let state = root + "/state-" + node
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            guard chown(state, 65532, 65532) == 0 else {
                throw ImageTestError("chown 65532 \(state): errno \(errno) (the image tests run as root, as CI does)")
            }
        }
        let coordinatorName = "c8s-image-test-coordinator-\(suffix)"
        let agentNames = nodes.map { "c8s-image-test-agent-\($0)-\(suffix)" }
        let outcome: Result<Void, any Error>
        do {
            try await runInstallation(
                images: images, podman: podman, root: root, nodes: nodes, coordinatorName: coordinatorName,
                agentNames: agentNames)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        // Whatever happened, no container is left behind (each is also --rm; a killed podman leaves its container).
        _ = try? await Podman.run(["rm", "--force", "--ignore", "--time", "0", coordinatorName] + agentNames)
        try outcome.get()
    }

    private func runInstallation(
        images: TestImages, podman: String, root: String, nodes: [String], coordinatorName: String,
        agentNames: [String]
    ) async throws {
        let suffix = String(root.suffix(8))
        let logRoot = root + "/pods"
        let kubeconfig = root + "/kubeconfig"
        try await SeaweedFSServer.withServer { seaweed in
            let prefix = "images-\(suffix)"
            var environment = ProcessInfo.processInfo.environment
            environment["C8S_LOG_STORE"] = "s3://\(seaweed.bucket)/\(prefix)"
            environment["C8S_S3_ENDPOINT"] = seaweed.endpoint
            environment["C8S_S3_REGION"] = "us-east-1"
            environment["C8S_S3_SPOOL_DIR"] = "/var/lib/c8s-agent/spool"
            environment["C8S_LOG_LEVEL"] = "info"
            environment["AWS_ACCESS_KEY_ID"] = seaweed.accessKey
            environment["AWS_SECRET_ACCESS_KEY"] = seaweed.secretKey
            // Passed by name, so the secret is never on a command line.
            let storeSettings = [
                "C8S_LOG_STORE", "C8S_S3_ENDPOINT", "C8S_S3_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            ].flatMap { ["-e", $0] }

            try await withTestChildProcess(
                executable: images.binary("c8s-sim"),
                arguments: [
                    "--port", "0", "--kubeconfig", kubeconfig, "--crds", imageRepositoryRoot + "/config/crd",
                    "--nodes", nodes.joined(separator: ","), "--log-root", logRoot,
                ],
                // The simulator's Pod directories go under the test's root, removed with it however c8s-sim ends.
                environment: ProcessInfo.processInfo.environment.merging(["TMPDIR": root]) { $1 }
            ) { sim in
                _ = try await sim.waitForLine(containing: "simulating nodes", within: .seconds(60))
                guard FileManager.default.fileExists(atPath: kubeconfig) else {
                    throw ImageTestError("c8s-sim wrote no kubeconfig: \(sim.output)")
                }
                // Mounted read-only into containers that run as 65532.
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: kubeconfig)
                let mountKubeconfig = ["-v", "\(kubeconfig):/etc/c8s/kubeconfig:ro"]

                let coordinatorArguments =
                    Podman.global + ["run", "--rm", "--name", coordinatorName] + Podman.runFlags + Podman.lockedDown
                    + mountKubeconfig + storeSettings + ["-e", "POD_NAME=\(coordinatorName)"] + [
                        images.image("c8s-coordinator"), "--kubeconfig", "/etc/c8s/kubeconfig", "--leader-elect",
                        "--lease-name", "c8s-coordinator", "--lease-namespace", "default", "--http-port", "0",
                    ]
                try await withTestChildProcess(
                    executable: podman, arguments: coordinatorArguments, environment: environment
                ) { coordinator in
                    let port = try await coordinator.waitForLoggedPort(within: .seconds(90))
                    try await withAgents(
                        images: images, podman: podman, names: agentNames, nodes: nodes, root: root,
                        logRoot: logRoot, mounts: mountKubeconfig, settings: storeSettings, environment: environment
                    ) { agents in
                        try await runDiamond(
                            images: images, kubeconfig: kubeconfig, coordinatorPort: port, seaweed: seaweed,
                            prefix: prefix)
                        for name in [coordinatorName] + agentNames {
                            let processes = try await Podman.processIdentities(container: name)
                            for process in processes {
                                #expect(process.uids == [65532, 65532, 65532, 65532], "\(name) pid \(process.pid)")
                                #expect(process.gids == [65532, 65532, 65532, 65532], "\(name) pid \(process.pid)")
                            }
                        }
                        for agent in agents {
                            agent.signal(SIGTERM)
                            let status = try await agent.waitForExit(limit: .seconds(60))
                            #expect(status == .exited(0), "agent: \(agent.output.suffix(3000))")
                            #expect(!agent.output.contains(seaweed.secretKey))
                        }
                    }
                    coordinator.signal(SIGTERM)
                    let status = try await coordinator.waitForExit(limit: .seconds(60))
                    #expect(status == .exited(0), "coordinator: \(coordinator.output.suffix(3000))")
                    #expect(!coordinator.output.contains(seaweed.secretKey))
                }
            }
        }
    }

    /// Runs one agent container per node while `body` runs.
    private func withAgents(
        images: TestImages, podman: String, names: [String], nodes: [String], root: String, logRoot: String,
        mounts: [String], settings: [String], environment: [String: String],
        _ body: ([TestChildProcess]) async throws -> Void
    ) async throws {
        func start(_ index: Int, _ running: [TestChildProcess]) async throws {
            guard index < nodes.count else {
                try await body(running)
                return
            }
            let node = nodes[index]
            // As the DaemonSet: the node's Pod logs read-only, a state directory, a /tmp of its own, the S3
            // settings from the environment. The runtime's log files are root's with mode 0640, so the agent,
            // uid 65532, reads them through the supplementary group 0.
            let arguments =
                Podman.global + ["run", "--rm", "--name", names[index]] + Podman.runFlags + Podman.lockedDown
                + ["--group-add", "0", "--tmpfs", "/tmp:size=64m"]
                + ["-v", "\(logRoot):/var/log/pods:ro", "-v", "\(root)/state-\(node):/var/lib/c8s-agent"] + mounts
                + settings + ["-e", "C8S_S3_SPOOL_DIR", "-e", "C8S_LOG_LEVEL", "-e", "NODE_NAME=\(node)"]
                + ["-e", "POD_IP=127.0.0.1"] + [
                    images.image("c8s-agent"), "--kubeconfig", "/etc/c8s/kubeconfig", "--log-root=/var/log/pods",
                    "--state-dir=/var/lib/c8s-agent", "--http-port=0",
                ]
            try await withTestChildProcess(executable: podman, arguments: arguments, environment: environment) {
                agent in
                _ = try await agent.waitForLoggedPort(within: .seconds(90))
                try await start(index + 1, running + [agent])
            }
        }
        try await start(0, [])
    }

    /// The CLI container applies examples/diamond and runs it to its end; then every step's log is complete in S3.
    private func runDiamond(
        images: TestImages, kubeconfig: String, coordinatorPort: Int, seaweed: SeaweedFSServer, prefix: String
    ) async throws {
        func cli(_ arguments: [String], timeLimit: Duration = .seconds(120)) async throws -> ChildProcessResult {
            try await Podman.run(
                ["run", "--rm"] + Podman.runFlags + Podman.lockedDown
                    + ["-v", "\(kubeconfig):/etc/c8s/kubeconfig:ro", "-e", "KUBECONFIG=/etc/c8s/kubeconfig"]
                    + ["-v", "\(imageRepositoryRoot)/examples/diamond:/pipeline:ro", images.image("c8s")] + arguments,
                timeLimit: timeLimit)
        }
        let applied = try await cli(["apply", "-f", "/pipeline/.c8s.yaml", "--name", "diamond"])
        #expect(applied.succeeded, "c8s apply: \(applied.outputText)\(applied.errorText)")
        let commit = "0123456789abcdef0123456789abcdef01234567"
        let run = try await cli(
            ["run", "diamond", "--commit", commit, "--branch", "main", "--wait"], timeLimit: .seconds(240))
        #expect(run.succeeded, "c8s run --wait: \(run.termination)\n\(run.outputText)\(run.errorText)")
        let runName = try #require(
            run.outputText.split(separator: "\n").first.map(String.init), "c8s run printed nothing")

        let version = try await cli(["version", "--coordinator", "http://127.0.0.1:\(coordinatorPort)"])
        #expect(version.succeeded, "c8s version: \(version.errorText)")
        #expect(
            version.outputText == "client: \(images.version)\ncoordinator: \(images.version)\n",
            "c8s version: \(version.outputText)")

        // The agents finish shipping after the run ended: wait (with kubectl, against the same API server) for
        // each step's log to be marked complete, then read it from S3.
        let steps: [(name: String, lines: (([String]) -> Bool))] = [
            ("checkout-info", { $0.count == 3 && $0[0] == "hello from c8s" && $0[1].hasPrefix("workspace holds ") }),
            ("build-a", { $0 == (1...6).map { "build-a progress \($0)/6" } }),
            ("build-b", { $0 == (1...6).map { "build-b progress \($0)/6" } }),
            ("report", { $0.count == 2 && $0[0] == "both builds finished; writing the report" }),
        ]
        for step in steps {
            let waited = try await ChildProcess.run(
                "kubectl",
                [
                    "--kubeconfig", kubeconfig, "wait", "pipelinerun/\(runName)", "--timeout=90s",
                    "--for=jsonpath={.status.steps[?(@.name==\"\(step.name)\")].logs.complete}=true",
                ],
                timeLimit: .seconds(120))
            #expect(
                waited.succeeded, "kubectl wait for the log of \(step.name): \(waited.outputText)\(waited.errorText)")
        }
        let store = try S3LogStore(
            configuration: S3Configuration(
                endpoint: seaweed.endpoint, bucket: seaweed.bucket, prefix: prefix,
                credentials: .fixed(S3Credentials(accessKeyID: seaweed.accessKey, secretAccessKey: seaweed.secretKey))))
        for step in steps {
            let reader = LogReader(
                store: store,
                location: try LogLocation(namespace: "default", run: runName, step: step.name, container: "step"))
            var lines: [String] = []
            for try await record in reader.records() { lines.append(record.record.text) }
            #expect(step.lines(lines), "the log of \(step.name) in S3: \(lines)")
            let completion = try await reader.completion()
            #expect(completion?.lines == Int64(lines.count), "\(step.name): \(String(describing: completion))")
        }
    }
}
