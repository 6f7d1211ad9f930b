import C8SAPI
import C8SCore
import C8SKube
import C8STestSupport
import Foundation
import Testing

/// The `c8s` binary end to end against the in-memory API server, through a kubeconfig.
@Suite struct ClusterCLITests {
    @Test func applyCreatesUpdatesAndRefusesAnInvalidFile() async throws {
        try await ClusterCLIHarness.with { cli in
            try cli.write(PipelineSpecFixture.file, to: ".c8s.yaml")
            let created = try await cli.c8s(["apply", "-f", ".c8s.yaml", "--name", "shop"])
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stdout == "pipelineconfig/shop created\n")
            let first = try await cli.client.get(PipelineConfig.self, name: "shop", namespace: "ci")
            #expect(first.spec.steps.map(\.name) == ["build", "test"])
            #expect(first.spec.repository == "https://github.com/acme/shop")

            // Another writer adds a label; an update keeps it and changes only the spec.
            try await cli.client.modify(PipelineConfig.self, name: "shop", namespace: "ci") {
                $0.metadata.labels = ["team": "web"]
            }
            let same = try await cli.c8s(["apply", "--name", "shop"])
            #expect(same.stdout == "pipelineconfig/shop unchanged\n")
            try cli.write(
                PipelineSpecFixture.file + """
                      - name: lint
                        image: alpine:3.20
                        commands: ["make lint"]

                    """, to: ".c8s.yaml")
            let updated = try await cli.c8s(["apply", "-f", ".c8s.yaml", "--name", "shop"])
            #expect(updated.status == 0, "\(updated.stderr)")
            #expect(updated.stdout == "pipelineconfig/shop configured\n")
            let second = try await cli.client.get(PipelineConfig.self, name: "shop", namespace: "ci")
            #expect(second.spec.steps.map(\.name) == ["build", "test", "lint"])
            #expect(second.metadata.labels?["team"] == "web")
            #expect(second.metadata.uid == first.metadata.uid)

            // An invalid file: file:line:column, exit 2, nothing created.
            try cli.write(
                """
                steps:
                  - name: build
                    imgae: alpine
                    commands: [make]

                """, to: "bad.yaml")
            let invalid = try await cli.c8s(["apply", "-f", "bad.yaml", "--name", "broken"])
            #expect(invalid.status == 2)
            #expect(invalid.stderr.contains("bad.yaml:3:5"), "\(invalid.stderr)")
            #expect(invalid.stderr.contains("imgae"))
            #expect(try await cli.client.getIfPresent(PipelineConfig.self, name: "broken", namespace: "ci") == nil)
            let badName = try await cli.c8s(["apply", "--name", "Shop_1"])
            #expect(badName.status == 2)
            #expect(badName.stderr.contains("invalid pipeline config name \"Shop_1\""))

            // --context and -n choose the namespace.
            let other = try await cli.c8s(["apply", "--name", "shop", "--context", "other"])
            #expect(other.status == 0, "\(other.stderr)")
            #expect(try await cli.client.getIfPresent(PipelineConfig.self, name: "shop", namespace: "staging") != nil)
            let prod = try await cli.c8s(["apply", "--name", "shop", "-n", "prod"])
            #expect(prod.status == 0, "\(prod.stderr)")
            #expect(try await cli.client.getIfPresent(PipelineConfig.self, name: "shop", namespace: "prod") != nil)
            let nowhere = try await cli.c8s(["apply", "--name", "shop", "-n", "nowhere"])
            #expect(nowhere.status == 1)
            #expect(nowhere.stderr.contains("namespaces \"nowhere\" not found"), "\(nowhere.stderr)")
            #expect(nowhere.stderr.contains("check the namespace"))
            let unknownContext = try await cli.c8s(["apply", "--name", "shop", "--context", "nope"])
            #expect(unknownContext.status == 2)
            #expect(unknownContext.stderr.contains("no context \"nope\""), "\(unknownContext.stderr)")
        }
    }

    @Test func runStartsAManualRunAndPrintsItsName() async throws {
        try await ClusterCLIHarness.with { cli in
            try await cli.createConfig("shop")
            let result = try await cli.c8s(["run", "shop", "--commit", "abc123", "--branch", "feature/x"])
            #expect(result.status == 0, "\(result.stderr)")
            let name = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(name.hasPrefix("shop-"))
            let run = try await cli.run(name)
            #expect(run.spec.pipelineConfigRef.name == "shop")
            #expect(run.spec.commit == "abc123")
            #expect(run.spec.branch == "feature/x")
            #expect(run.spec.event == .manual)
            #expect(run.spec.triggeredBy == "bob")
            #expect(run.spec.triggeredAt != nil)
            #expect(run.metadata.labels?[C8SLabels.pipelineConfig] == "shop")

            let missing = try await cli.c8s(["run", "nope"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("no pipeline config \"nope\" in namespace \"ci\""), "\(missing.stderr)")
            #expect(try await cli.runs().count == 1)
            let wrongUse = try await cli.c8s(["run", "--wait"])
            #expect(wrongUse.status == 2)
        }
    }

    @Test(arguments: [(PipelineRun.Phase.succeeded, Int32(0)), (.failed, 1), (.cancelled, 130)])
    func runWaitFollowsTheRunToItsEnd(phase: PipelineRun.Phase, exitCode: Int32) async throws {
        try await ClusterCLIHarness.with { cli in
            try await cli.createConfig("shop")
            let process = try cli.start(["run", "shop", "--commit", "abc123", "--wait"])
            try await process.waitForOutput(containing: "\n")
            let name = try #require(process.stdout.split(separator: "\n").first.map(String.init))
            #expect(name.hasPrefix("shop-"))
            let start = KubeTime(Date(timeIntervalSince1970: 1_767_225_600))
            let end = KubeTime(Date(timeIntervalSince1970: 1_767_225_600 + 75))
            try await cli.setStatus(name) { status in
                status.phase = .running
                status.startTime = start
                var build = PipelineRun.StepStatus(name: "build", phase: .running)
                build.nodeName = "node-1"
                status.steps = [build, .init(name: "test", phase: .pending)]
            }
            try await process.waitForOutput(containing: "step build: Running on node-1")
            try await cli.setStatus(name) { status in
                status.steps![0].phase = .succeeded
                status.steps![0].exitCode = 0
                status.steps![0].startTime = start
                status.steps![0].completionTime = KubeTime(Date(timeIntervalSince1970: 1_767_225_600 + 30))
                status.steps![1].phase = phase == .succeeded ? .succeeded : .failed
                status.steps![1].exitCode = phase == .succeeded ? 0 : 2
                status.steps![1].reason = phase == .succeeded ? nil : "Error"
                status.phase = phase
                status.completionTime = end
            }
            let result = try await process.finish()
            #expect(result.status == exitCode, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("run \(name): Running\n"))
            #expect(result.stdout.contains("step build: Succeeded (exit 0, 30s)"))
            #expect(result.stdout.contains("run \(name): \(phase.rawValue) in 75s\n"))
            if phase != .succeeded { #expect(result.stdout.contains("step test: Failed (exit 2): Error")) }
        }
    }

    @Test func getRunsPrintsATableJSONAndYAML() async throws {
        try await ClusterCLIHarness.with { cli in
            try await cli.createRun("shop-a", config: "shop")
            try await cli.createRun("web-b", config: "web", commit: "fedcba9876543210")
            let now = Date()
            try await cli.setStatus("shop-a") { status in
                status.phase = .succeeded
                status.startTime = KubeTime(now.addingTimeInterval(-300))
                status.completionTime = KubeTime(now.addingTimeInterval(-205))
            }
            let table = try await cli.c8s(["get", "runs"])
            #expect(table.status == 0, "\(table.stderr)")
            let lines = table.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 3)
            #expect(
                lines[0].split(separator: " ", omittingEmptySubsequences: true)
                    == ["NAME", "CONFIG", "COMMIT", "PHASE", "AGE", "DURATION"])
            let shop = try #require(lines.first { $0.hasPrefix("shop-a") }).split(separator: " ")
            #expect(shop[1] == "shop")
            #expect(shop[2] == "0123456")
            #expect(shop[3] == "Succeeded")
            #expect(shop[5] == "95s" || shop[5] == "96s")
            let web = try #require(lines.first { $0.hasPrefix("web-b") }).split(separator: " ")
            #expect(web[3] == "Pending")
            #expect(web[5] == "-")

            let filtered = try await cli.c8s(["get", "runs", "--config", "web"])
            #expect(filtered.stdout.split(separator: "\n").count == 2)
            #expect(filtered.stdout.contains("web-b"))
            let selected = try await cli.c8s(["get", "runs", "-l", "c8s.dev/pipeline-config=shop"])
            #expect(selected.stdout.contains("shop-a") && !selected.stdout.contains("web-b"))
            let none = try await cli.c8s(["get", "runs", "-n", "empty"])
            #expect(none.status == 0)
            #expect(none.stderr.contains("No runs found in namespace empty."))

            let json = try await cli.c8s(["get", "runs", "-o", "json"])
            #expect(json.status == 0)
            let list = try JSONDecoder().decode(JSONValue.self, from: Data(json.stdout.utf8))
            #expect(list["kind"]?.stringValue == "List")
            #expect(list["items"]?.arrayValue?.count == 2)
            let one = try await cli.c8s(["get", "runs", "shop-a", "-o", "json"])
            let object = try JSONDecoder().decode(JSONValue.self, from: Data(one.stdout.utf8))
            #expect(object["kind"]?.stringValue == "PipelineRun")
            #expect(object["status"]?["phase"]?.stringValue == "Succeeded")

            let yaml = try await cli.c8s(["get", "runs", "shop-a", "-o", "yaml"])
            #expect(yaml.status == 0)
            #expect(yaml.stdout.contains("kind: PipelineRun\n"))
            let decoded = try C8SKube.YAMLReader.read(yaml.stdout)
            #expect(decoded == object)
            let listYAML = try await cli.c8s(["get", "runs", "-o", "yaml"])
            #expect(try C8SKube.YAMLReader.read(listYAML.stdout) == list)

            let badFormat = try await cli.c8s(["get", "runs", "-o", "wide"])
            #expect(badFormat.status == 2)
            let missing = try await cli.c8s(["get", "runs", "nope"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("no run \"nope\" in namespace \"ci\""))
        }
    }

    @Test func describeRunShowsStepsLogsAndEvents() async throws {
        try await ClusterCLIHarness.with { cli in
            let run = try await cli.createRun("shop-a", config: "shop")
            let now = Date()
            try await cli.setStatus("shop-a") { status in
                status.phase = .failed
                status.startTime = KubeTime(now.addingTimeInterval(-60))
                status.completionTime = KubeTime(now.addingTimeInterval(-10))
                var build = PipelineRun.StepStatus(name: "build", phase: .succeeded)
                build.exitCode = 0
                build.nodeName = "node-1"
                build.startTime = KubeTime(now.addingTimeInterval(-60))
                build.completionTime = KubeTime(now.addingTimeInterval(-40))
                build.logURL = "s3://logs/ci/shop-a/build/step/"
                build.logs = .init(bytes: 100, lines: 12, chunks: 1, complete: true)
                var test = PipelineRun.StepStatus(name: "test", phase: .failed)
                test.exitCode = 2
                test.reason = "Error"
                test.message = "make: *** [test] Error 2"
                test.nodeName = "node-2"
                status.steps = [build, test]
            }
            _ = try await cli.client.create(
                Event(
                    about: run, type: "Warning", reason: "StepFailed", message: "step test failed",
                    component: "c8s-coordinator"))
            let result = try await cli.c8s(["describe", "run", "shop-a"])
            #expect(result.status == 0, "\(result.stderr)")
            let text = result.stdout
            #expect(text.contains("Name:          shop-a\n"))
            #expect(text.contains("Config:        shop\n"))
            #expect(text.contains("Phase:         Failed\n"))
            #expect(text.contains("Duration:      50s\n"))
            let lines = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(lines.contains(["build", "Succeeded", "0", "20s", "node-1"]))
            #expect(
                lines.contains(["test", "Failed", "2", "-", "node-2", "Error:", "make:", "***", "[test]", "Error", "2"])
            )
            #expect(lines.contains(["build", "12", "complete", "s3://logs/ci/shop-a/build/step/"]))
            #expect(text.contains("StepFailed"))
            #expect(text.contains("step test failed"))

            let missing = try await cli.c8s(["describe", "run", "nope"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("no run \"nope\" in namespace \"ci\""))
        }
    }

    @Test func cancelSetsSpecCancel() async throws {
        try await ClusterCLIHarness.with { cli in
            try await cli.createRun("shop-a", config: "shop")
            try await cli.setStatus("shop-a") { $0.phase = .running }
            let result = try await cli.c8s(["cancel", "shop-a"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == "pipelinerun/shop-a cancel requested\n")
            let run = try await cli.run("shop-a")
            #expect(run.spec.cancel == true)
            #expect(run.spec.commit == "0123456789abcdef0123456789abcdef01234567")
            #expect(run.status?.phase == .running)

            try await cli.createRun("shop-b", config: "shop")
            try await cli.setStatus("shop-b") { $0.phase = .succeeded }
            let finished = try await cli.c8s(["cancel", "shop-b"])
            #expect(finished.status == 0)
            #expect(finished.stdout.contains("already finished (Succeeded)"))
            #expect(try await cli.run("shop-b").spec.cancel != true)

            let missing = try await cli.c8s(["cancel", "nope"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("no run \"nope\""))
        }
    }

    @Test func secretCreateStoresTheValuesAndExplainsUsage() async throws {
        try await ClusterCLIHarness.with { cli in
            try cli.write("-----BEGIN CERTIFICATE-----\nMIIB\n", to: "ca.pem")
            let result = try await cli.c8s([
                "secret", "create", "codecov", "--from-literal", "token=s3cr3t-value", "--from-literal",
                "api-key=k=v", "--from-file", "ca=ca.pem",
            ])
            #expect(result.status == 0, "\(result.stderr)")
            let secret = try await cli.client.get(Secret.self, name: "codecov", namespace: "ci")
            #expect(secret.type == "Opaque")
            #expect(secret.value("token") == Array("s3cr3t-value".utf8))
            #expect(secret.value("api-key") == Array("k=v".utf8))
            #expect(secret.value("ca") == Array("-----BEGIN CERTIFICATE-----\nMIIB\n".utf8))
            #expect(result.stdout.contains("secret/codecov created in namespace ci"))
            #expect(result.stdout.contains("- {name: codecov, key: token, env: TOKEN}"))
            #expect(result.stdout.contains("- {name: codecov, key: api-key, env: API_KEY}"))
            #expect(!result.stdout.contains("s3cr3t-value") && !result.stderr.contains("s3cr3t-value"))
            // The printed snippet is valid pipeline syntax.
            let snippet = result.stdout.split(separator: "\n").filter { $0.contains("{name: codecov") }
                .map { "      " + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n")
            let spec = try PipelineParser.load(
                yaml: """
                    steps:
                      - name: deploy
                        image: alpine
                        commands: [./deploy]
                        secrets:
                    \(snippet)

                    """)
            #expect(spec.steps[0].secrets.map(\.env) == ["API_KEY", "CA", "TOKEN"])

            let again = try await cli.c8s(["secret", "create", "codecov", "--from-literal", "token=x"])
            #expect(again.status == 1)
            #expect(again.stderr.contains("already exists"))
            let noValues = try await cli.c8s(["secret", "create", "empty"])
            #expect(noValues.status == 2)
            let badLiteral = try await cli.c8s(["secret", "create", "bad", "--from-literal", "novalue"])
            #expect(badLiteral.status == 2)
            #expect(badLiteral.stderr.contains("--from-literal expects KEY=VALUE"))
        }
    }

    @Test func actionableErrors() async throws {
        try await ClusterCLIHarness.with { cli in
            for arguments in [
                ["get", "runs"], ["describe", "run", "x"], ["cancel", "x"], ["run", "shop"], ["logs", "x"],
            ] {
                let result = try await cli.c8s(arguments, kubeconfig: .some(nil))
                #expect(result.status == 2, "\(arguments): \(result.stderr)")
                #expect(
                    result.stderr.contains(
                        "no kubeconfig: set KUBECONFIG or pass --kubeconfig (or use --local to run on this machine)"),
                    "\(arguments): \(result.stderr)")
            }
            let missingFile = try await cli.c8s(["get", "runs", "--kubeconfig", "/nonexistent/kubeconfig"])
            #expect(missingFile.status == 2)
            #expect(missingFile.stderr.contains("cannot read the kubeconfig /nonexistent/kubeconfig"))

            // A server that is not there.
            let port = try closedPort()
            let unreachable = cli.directory.appendingPathComponent("unreachable").path
            try cli.writeKubeconfig(server: "http://127.0.0.1:\(port)", to: unreachable)
            let started = ContinuousClock.now
            let result = try await cli.c8s(["get", "runs"], kubeconfig: .some(unreachable))
            #expect(result.status == 1)
            #expect(
                result.stderr.contains("cannot reach the API server at http://127.0.0.1:\(port)"), "\(result.stderr)")
            #expect(result.stderr.contains("user \"bob\", context \"main\""))
            #expect(ContinuousClock.now - started < .seconds(60))
        }
    }

    @Test func forbiddenNamesTheUserTheVerbAndTheNamespace() async throws {
        let message =
            #"pipelineruns.c8s.dev is forbidden: User \"bob\" cannot list resource \"pipelineruns\" "#
            + #"in API group \"c8s.dev\" in the namespace \"ci\""#
        let body =
            #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"\#(message)","#
            + #""reason":"Forbidden","code":403}"#
        try await ClusterCLIHarness.with { cli in
            try await withStaticServer(status: 403, body: body) { port in
                let path = cli.directory.appendingPathComponent("forbidden").path
                try cli.writeKubeconfig(server: "http://127.0.0.1:\(port)", to: path)
                let result = try await cli.c8s(["get", "runs"], kubeconfig: .some(path))
                #expect(result.status == 1)
                #expect(
                    result.stderr.contains(
                        "forbidden: you (user \"bob\", context \"main\") cannot list pipelineruns in namespace \"ci\""),
                    "\(result.stderr)")
                #expect(result.stderr.contains("User \"bob\" cannot list resource"))
                #expect(result.stderr.contains("ask a cluster admin"))
                let create = try await cli.c8s(
                    ["secret", "create", "x", "--from-literal", "a=b"], kubeconfig: .some(path))
                #expect(create.stderr.contains("cannot create secrets in namespace \"ci\""), "\(create.stderr)")
            }
        }
    }

    @Test func completionScripts() async throws {
        try await ClusterCLIHarness.with { cli in
            let bash = try await cli.c8s(["completion", "bash"])
            #expect(bash.status == 0)
            #expect(bash.stdout.contains("complete -o filenames -F _c8s c8s"))
            #expect(bash.stdout.contains("describe"))
            let zsh = try await cli.c8s(["completion", "zsh"])
            #expect(zsh.stdout.hasPrefix("#compdef c8s"))
            let fish = try await cli.c8s(["completion", "fish"])
            #expect(fish.stdout.contains("complete -c 'c8s'"))
            let other = try await cli.c8s(["completion", "tcsh"])
            #expect(other.status == 2)
        }
    }

    @Test func runWithoutAConfigStillRunsLocally() async throws {
        try await ClusterCLIHarness.with { cli in
            try cli.write(
                """
                steps:
                  - name: hello
                    commands: ["echo hello from local mode"]

                """, to: ".c8s.yaml")
            let result = try await cli.c8s(["run"], kubeconfig: .some(nil))
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("hello from local mode"))
            let runs = try await cli.c8s(["get", "runs", "--local"], kubeconfig: .some(nil))
            #expect(runs.status == 0)
            #expect(runs.stdout.contains("Succeeded"), "\(runs.stdout)")
        }
    }
}

/// A port nothing listens on (bound, read and closed).
func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}
