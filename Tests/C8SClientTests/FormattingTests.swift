import C8SAPI
import C8SClient
import C8SCore
import C8SKube
import Foundation
import Testing

/// The pure parts of the client: durations, tables, describe, YAML, progress lines, secrets, settings.
@Suite struct FormattingTests {
    static let durations: [(Double, String)] = [
        (0.0, "0s"), (-1.0, "0s"), (-5.0, "<invalid>"), (59.9, "59s"), (119, "119s"), (120, "2m"), (150, "2m30s"),
        (599, "9m59s"), (600, "10m"), (179 * 60, "179m"), (3 * 3600, "3h"), (3 * 3600 + 20 * 60, "3h20m"),
        (8 * 3600 + 59, "8h"), (47 * 3600, "47h"), (2 * 86400 + 4 * 3600, "2d4h"), (3 * 86400, "3d"),
        (400 * 86400, "400d"), (3 * 365 * 86400 + 86400, "3y1d"), (9 * 365 * 86400, "9y"),
    ]

    @Test(arguments: durations)
    func humanDurations(seconds: Double, text: String) {
        #expect(HumanDuration.format(seconds: seconds) == text)
    }

    @Test func tablesAlignColumnsLikeKubectl() {
        let table = TextTable(
            headers: ["NAME", "PHASE", "AGE"], rows: [["a-long-name", "Running", "5m"], ["b", "", "1s"]])
        #expect(
            table.render() == """
                NAME          PHASE     AGE
                a-long-name   Running   5m
                b                       1s

                """)
    }

    static func run(_ name: String, created: Date, phase: PipelineRun.Phase?, start: Date?, end: Date?) -> PipelineRun {
        var metadata = ObjectMeta(name: name, namespace: "ci")
        metadata.creationTimestamp = KubeTime(created)
        var run = PipelineRun(
            metadata: metadata,
            spec: .init(pipelineConfigRef: .init(name: "shop"), commit: "89abcdef0123", branch: "main", event: .push))
        if let phase {
            var status = PipelineRun.Status(phase: phase)
            status.startTime = start.map(KubeTime.init)
            status.completionTime = end.map(KubeTime.init)
            run.status = status
        }
        return run
    }

    @Test func runTableRows() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let finished = Self.run(
            "shop-b", created: now.addingTimeInterval(-400), phase: .failed, start: now.addingTimeInterval(-390),
            end: now.addingTimeInterval(-300))
        let running = Self.run(
            "shop-a", created: now.addingTimeInterval(-100), phase: .running, start: now.addingTimeInterval(-95),
            end: nil)
        var cancelling = Self.run("shop-c", created: now, phase: nil, start: nil, end: nil)
        cancelling.spec.cancel = true
        let table = RunTable.table([running, cancelling, finished], now: now)
        #expect(
            table.rows == [
                ["shop-b", "shop", "89abcde", "Failed", "6m40s", "90s"],
                ["shop-a", "shop", "89abcde", "Running", "100s", "95s"],
                ["shop-c", "shop", "89abcde", "Cancelling", "0s", "-"],
            ])
    }

    @Test func describeListsStepsInTheRunsOrder() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var run = Self.run(
            "shop-a", created: now.addingTimeInterval(-120), phase: .running, start: now.addingTimeInterval(-110),
            end: nil)
        run.spec.triggeredBy = "bob"
        run.spec.matrix = ["os": "debian", "go": "1.23"]
        var resolved = PipelineSpec()
        resolved.steps = [PipelineStep(name: "build"), PipelineStep(name: "test"), PipelineStep(name: "deploy")]
        run.status?.resolvedSpec = resolved
        var build = PipelineRun.StepStatus(name: "build", phase: .succeeded)
        build.exitCode = 0
        build.startTime = KubeTime(now.addingTimeInterval(-100))
        build.completionTime = KubeTime(now.addingTimeInterval(-60))
        build.logURL = "file:///logs/ci/shop-a/build/step/"
        build.logs = .init(lines: 40, complete: false)
        run.status?.steps = [build, .init(name: "test", phase: .running)]
        var event = Event(
            about: run, reason: "StepStarted", message: "step test\nstarted", component: "c8s-coordinator",
            now: KubeTime(now.addingTimeInterval(-50)))
        event.type = "Normal"
        let text = RunDescription.render(run, events: [event], now: now)
        #expect(text.contains("Triggered By:  bob\n"))
        #expect(text.contains("Matrix:        go=1.23, os=debian\n"))
        #expect(text.contains("Started:       \(KubeTime(now.addingTimeInterval(-110))) (110s ago)\n"))
        #expect(text.contains("Completed:     -\n"))
        #expect(
            text.contains(
                """
                Steps:
                  NAME     PHASE       EXIT   DURATION   NODE   REASON
                  build    Succeeded   0      40s        -
                  test     Running     -      -          -
                  deploy   Pending     -      -          -
                Logs:
                  STEP    LINES   STORED    LOCATION
                  build   40      partial   file:///logs/ci/shop-a/build/step/
                Events:
                  TYPE     REASON        AGE   FROM              MESSAGE
                  Normal   StepStarted   50s   c8s-coordinator   step test started

                """))
        #expect(
            RunDescription.render(Self.run("x", created: now, phase: nil, start: nil, end: nil), events: [], now: now)
                .hasSuffix("Steps:\n  <none>\nLogs:\n  <none>\nEvents:\n  <none>\n"))
    }

    @Test func yamlReadsBackAsTheSameValue() throws {
        let value: JSONValue = [
            "apiVersion": "c8s.dev/v1alpha1",
            "metadata": ["name": "shop-a", "labels": ["c8s.dev/pipeline-config": "shop"], "annotations": [:]],
            "spec": [
                "commit": "0123456", "branch": "true", "matrix": ["go": "1.23", "os": "no"], "cancel": false,
                "count": 3, "ratio": 2.5, "whole": 2.0, "none": nil, "empty": "", "list": [],
            ],
            "status": [
                "steps": [
                    ["name": "build", "exitCode": 0, "message": "line one\nline \"two\": #x", "logs": ["lines": 4]],
                    ["name": "- dash", "artifactURLs": ["s3://b/a", "null", " padded ", "2026-01-01T00:00:00Z"]],
                ],
                "nested": [[1, 2], ["a"]],
            ],
        ]
        let text = YAMLEmitter.emit(value)
        #expect(try C8SKube.YAMLReader.read(text) == value)
        #expect(text.contains("  labels:\n    c8s.dev/pipeline-config: shop\n"))
        #expect(text.contains("  steps:\n  - exitCode: 0\n"))
        #expect(text.contains("commit: \"0123456\"\n"))
        #expect(text.contains("branch: \"true\"\n"))
        #expect(YAMLEmitter.emit("plain") == "plain\n")
        #expect(YAMLEmitter.emit([:]) == "{}\n")
    }

    static func step(
        _ name: String, _ phase: PipelineRun.StepPhase, exit: Int32? = nil, seconds: Double? = nil
    )
        -> PipelineRun.StepStatus
    {
        var step = PipelineRun.StepStatus(name: name, phase: phase)
        step.exitCode = exit
        if let seconds {
            step.startTime = KubeTime(Date(timeIntervalSince1970: 1_800_000_000))
            step.completionTime = KubeTime(Date(timeIntervalSince1970: 1_800_000_000 + seconds))
        }
        return step
    }

    @Test func progressLinesFollowPhaseChanges() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let pending = Self.run("r", created: now, phase: nil, start: nil, end: nil)
        #expect(RunProgress.transitions(from: nil, to: pending) == ["run r: Pending"])
        var running = Self.run("r", created: now, phase: .running, start: now, end: nil)
        running.status?.steps = [Self.step("build", .running), Self.step("test", .pending)]
        #expect(RunProgress.transitions(from: pending, to: running) == ["run r: Running", "step build: Running"])
        #expect(RunProgress.transitions(from: running, to: running) == [])
        var cancelled = running
        cancelled.spec.cancel = true
        #expect(RunProgress.transitions(from: running, to: cancelled) == ["run r: cancellation requested"])
        var failed = Self.run("r", created: now, phase: .failed, start: now, end: now.addingTimeInterval(130))
        var test = Self.step("test", .failed, exit: 1, seconds: 12)
        test.reason = "Error"
        failed.status?.steps = [Self.step("build", .succeeded, exit: 0, seconds: 61), test]
        failed.status?.message = "step test failed"
        #expect(
            RunProgress.transitions(from: running, to: failed) == [
                "step build: Succeeded (exit 0, 61s)", "step test: Failed (exit 1, 12s): Error",
                "run r: Failed in 2m10s (step test failed)",
            ])
        // Seen for the first time when already finished.
        #expect(RunProgress.transitions(from: nil, to: failed).last == "run r: Failed in 2m10s (step test failed)")
        #expect(RunProgress.exitCode(for: .succeeded) == 0)
        #expect(RunProgress.exitCode(for: .failed) == 1)
        #expect(RunProgress.exitCode(for: .cancelled) == 130)
    }

    @Test func secretRequests() throws {
        let files = ["/x/ca.pem": Array("pem".utf8)]
        let request = try SecretRequest.parse(
            name: "deploy-keys", literals: ["token=a=b", "empty="], files: ["/x/ca.pem", "key=/x/ca.pem"],
            readFile: { files[$0] })
        #expect(
            request.data == [
                "token": Array("a=b".utf8), "empty": [], "ca.pem": Array("pem".utf8),
                "key": Array("pem".utf8),
            ])
        #expect(request.usage().contains("- {name: deploy-keys, key: ca.pem, env: CA_PEM}"))
        #expect(!request.usage().contains("a=b"))
        #expect(SecretRequest.environmentName("1st-key.x") == "_1ST_KEY_X")
        #expect(throws: ClientError.self) { try SecretRequest.parse(name: "Bad", literals: ["a=b"], files: []) }
        #expect(throws: ClientError.self) { try SecretRequest.parse(name: "ok", literals: ["=b"], files: []) }
        #expect(throws: ClientError.self) { try SecretRequest.parse(name: "ok", literals: ["a b=c"], files: []) }
        #expect(throws: ClientError.self) { try SecretRequest.parse(name: "ok", literals: ["a=1", "a=2"], files: []) }
        #expect(throws: ClientError.self) {
            try SecretRequest.parse(name: "ok", literals: [], files: ["k=/missing"], readFile: { _ in nil })
        }
        #expect(ResourceName.isDNSSubdomain("shop.v2-x"))
        #expect(
            !ResourceName.isDNSSubdomain("shop..x") && !ResourceName.isDNSSubdomain("-a")
                && !ResourceName.isDNSSubdomain(""))
    }

    @Test func ndjsonLinesSpanChunks() throws {
        var buffer = NDJSONLineBuffer(maximumLineBytes: 16)
        #expect(try buffer.append(Array("{\"a\"".utf8)) == [])
        #expect(
            try buffer.append(Array(":1}\n\n  \n{\"b\":2}\r\n{\"c\"".utf8)) == [
                Array("{\"a\":1}".utf8), Array("{\"b\":2}".utf8),
            ])
        #expect(buffer.finish() == Array("{\"c\"".utf8))
        #expect(buffer.finish() == nil)
        #expect(throws: ClientError.self) { try buffer.append(Array(repeating: UInt8(ascii: "x"), count: 17)) }
    }

    @Test func logQueryPaths() {
        let query = LogQuery(
            namespace: "ci", run: "shop-a", step: "test[go=1.23]", tail: 5, follow: true, timestamps: true)
        #expect(
            query.pathAndQuery
                == "/api/v1/namespaces/ci/pipelineruns/shop-a/steps/test%5Bgo%3D1.23%5D/log"
                + "?container=step&tail=5&follow=true&timestamps=true&format=ndjson"
        )
        #expect(
            LogQuery(namespace: "ci", run: "r", step: "s").pathAndQuery
                == "/api/v1/namespaces/ci/pipelineruns/r/steps/s/log?container=step&format=ndjson")
    }

    @Test func settingsResolveKubeconfigContextNamespaceAndCoordinator() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "c8s-settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("config").path
        try """
        clusters: [{name: c, cluster: {server: "https://k8s.example:6443/"}}]
        users: [{name: bob, user: {token: tok}}, {name: anon, user: {}}]
        contexts:
        - {name: a, context: {cluster: c, user: bob, namespace: ci}}
        - {name: b, context: {cluster: c, user: anon}}
        current-context: a
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let base = ["HOME": directory.path, "USER": "local-user"]
        let a = try ClusterSettings(environment: base.merging(["KUBECONFIG": path]) { $1 }).resolve()
        #expect(a.namespace == "ci" && a.contextName == "a" && a.userName == "bob" && a.triggeredBy == "bob")
        #expect(a.server == "https://k8s.example:6443")
        #expect(a.bearerToken() == "tok")
        let b = try ClusterSettings(kubeconfig: path, context: "b", environment: base).resolve()
        #expect(b.namespace == "default" && b.bearerToken() == nil && b.triggeredBy == "anon")
        let n = try ClusterSettings(kubeconfig: path, namespace: "prod", environment: base).resolve()
        #expect(n.namespace == "prod")
        do {
            _ = try ClusterSettings(environment: base).resolve()
            Issue.record("resolved without a kubeconfig")
        } catch {
            #expect(error.message == ClusterSettings.noKubeconfigMessage)
            #expect(error.exitCode == 2)
        }
        #expect(throws: ClientError.self) {
            try ClusterSettings(environment: base.merging(["KUBECONFIG": "/missing/one"]) { $1 }).resolve()
        }

        let settings = try CoordinatorSettings.resolve(
            url: nil, token: nil, target: a, environment: ["C8S_COORDINATOR": "http://c:8080/"])
        #expect(settings == CoordinatorSettings(url: "http://c:8080", token: "tok"))
        #expect(
            try CoordinatorSettings.resolve(url: "http://x", token: "t2", target: a, environment: [:]).token == "t2")
        #expect(throws: ClientError.self) {
            try CoordinatorSettings.resolve(url: nil, token: nil, target: a, environment: [:])
        }
        #expect(throws: ClientError.self) {
            try CoordinatorSettings.resolve(url: "localhost:8080", token: "t", target: a, environment: [:])
        }
        #expect(throws: ClientError.self) {
            try CoordinatorSettings.resolve(url: "http://x", token: nil, target: b, environment: [:])
        }
    }
}
