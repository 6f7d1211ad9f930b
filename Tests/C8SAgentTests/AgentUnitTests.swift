import C8SAPI
import C8SKube
import C8SLogs
import Foundation
import Testing

@testable import C8SAgent

/// The agent's pure parts: reading step Pods, Secret references, the status merge, summaries, configuration.
@Suite struct AgentUnitTests {
    static func pod(_ spec: JSONValue, labels: [String: String]? = nil, status: PodStatus? = nil) -> AgentPod {
        var metadata = ObjectMeta(
            name: "r-build-x1", namespace: "ci",
            labels: labels ?? [C8SLabels.pipelineRun: "r", C8SLabels.step: "build"],
            finalizers: [C8SFinalizers.logs])
        metadata.uid = "u-1"
        return AgentPod(metadata: metadata, spec: spec, status: status)
    }

    @Test func readsAStepPod() throws {
        var status = PodStatus(phase: "Running")
        status.initContainerStatuses = [
            ContainerStatus(
                name: "clone",
                state: ContainerState(
                    terminated: .init(exitCode: 0)))
        ]
        status.containerStatuses = [
            ContainerStatus(
                name: "step",
                state: ContainerState(
                    running: try JSONDecoder().decode(ContainerState.Running.self, from: Data("{}".utf8))))
        ]
        let pod = try StepPod.read(
            Self.pod(
                ["initContainers": [["name": "clone"]], "containers": [["name": "step"], ["name": "sidecar"]]],
                status: status)
        ).get()
        #expect(pod.run == "r")
        #expect(pod.step == "build")
        #expect(pod.containers == ["clone", "step", "sidecar"])
        #expect(pod.phase(of: "clone") == .terminated)
        #expect(pod.phase(of: "step") == .running)
        #expect(pod.phase(of: "sidecar") == .waiting)
        #expect(pod.isFinished("clone"))
        #expect(!pod.isFinished("step"))
        #expect(!pod.isTerminal)
        #expect(pod.holdsLogsFinalizer)
        #expect(
            pod.containerDirectory(logRoot: "/var/log/pods", container: "step")
                == "/var/log/pods/ci_r-build-x1_u-1/step")

        status.phase = "Failed"
        let failed = try StepPod.read(Self.pod(["containers": [["name": "step"]]], status: status)).get()
        #expect(failed.isTerminal && failed.isFinished("step"))
    }

    @Test func rejectsPodsWithoutStepLabels() {
        guard
            case .failure(let error) = StepPod.read(Self.pod(["containers": []], labels: [C8SLabels.pipelineRun: "r"]))
        else {
            Issue.record("a Pod without a step label was accepted")
            return
        }
        #expect(error.description.contains(C8SLabels.step))
    }

    @Test func findsEverySecretReference() {
        let spec: JSONValue = [
            "initContainers": [
                [
                    "name": "clone",
                    "env": [
                        ["name": "GIT_TOKEN", "valueFrom": ["secretKeyRef": ["name": "git", "key": "token"]]]
                    ],
                ]
            ],
            "containers": [
                [
                    "name": "step",
                    "env": [
                        ["name": "PLAIN", "value": "x"],
                        ["name": "POD", "valueFrom": ["fieldRef": ["fieldPath": "metadata.name"]]],
                        [
                            "name": "OPT",
                            "valueFrom": ["secretKeyRef": ["name": "maybe", "key": "k", "optional": true]],
                        ],
                        ["name": "AGAIN", "valueFrom": ["secretKeyRef": ["name": "git", "key": "token"]]],
                    ],
                    "envFrom": [["secretRef": ["name": "bulk"]], ["configMapRef": ["name": "cm"]]],
                ]
            ],
            "volumes": [
                ["name": "a", "secret": ["secretName": "files", "optional": true]],
                [
                    "name": "b",
                    "projected": ["sources": [["secret": ["name": "projected"]], ["configMap": ["name": "c"]]]],
                ],
                ["name": "c", "emptyDir": [:]],
            ],
        ]
        #expect(
            SecretKeyRef.references(inPodSpec: spec) == [
                SecretKeyRef(name: "bulk", key: nil, optional: false),
                SecretKeyRef(name: "files", key: nil, optional: true),
                SecretKeyRef(name: "git", key: "token", optional: false),
                SecretKeyRef(name: "maybe", key: "k", optional: true),
                SecretKeyRef(name: "projected", key: nil, optional: false),
            ])
    }

    @Test func statusMergeKeepsOtherFieldsAndNeverGoesBack() {
        var status = PipelineRun.Status(phase: .running)
        var other = PipelineRun.StepStatus(name: "lint", phase: .succeeded)
        other.exitCode = 0
        var build = PipelineRun.StepStatus(name: "build", phase: .running)
        build.podName = "p"
        status.steps = [other, build]

        let progress = PipelineRun.LogSummary(bytes: 10, lines: 2, chunks: 1, complete: false)
        #expect(StepLogStatus.apply(summary: progress, logURL: "s3://b/ns/r/build/", step: "build", to: &status))
        #expect(status.steps?[0] == other)
        #expect(status[step: "build"]?.podName == "p")
        #expect(status[step: "build"]?.logs == progress)
        #expect(status[step: "build"]?.logURL == "s3://b/ns/r/build/")
        // The same again changes nothing; an older (smaller) summary does not replace a newer one.
        #expect(!StepLogStatus.apply(summary: progress, logURL: "s3://b/ns/r/build/", step: "build", to: &status))
        #expect(
            !StepLogStatus.apply(
                summary: .init(bytes: 5, lines: 1, chunks: 1, complete: false), logURL: "s3://b/ns/r/build/",
                step: "build", to: &status))
        let complete = PipelineRun.LogSummary(bytes: 20, lines: 4, chunks: 2, complete: true)
        #expect(StepLogStatus.apply(summary: complete, logURL: "s3://b/ns/r/build/", step: "build", to: &status))
        #expect(!StepLogStatus.apply(summary: progress, logURL: "s3://b/ns/r/build/", step: "build", to: &status))
        #expect(status[step: "build"]?.logs == complete)
        // A step the coordinator has not listed yet gets an entry.
        #expect(StepLogStatus.apply(summary: progress, logURL: "u", step: "new", to: &status))
        #expect(status.steps?.map(\.name) == ["lint", "build", "new"])
    }

    @Test func summarySumsContainers() {
        let summary = LogProgress.summary(of: [
            LogProgress(bytes: 10, lines: 1, chunks: 1, complete: true),
            LogProgress(bytes: 32, lines: 5, chunks: 2, complete: false),
        ])
        #expect(summary == PipelineRun.LogSummary(bytes: 42, lines: 6, chunks: 3, complete: false))
        #expect(LogProgress.summary(of: [LogProgress(complete: true)]).complete == true)
        #expect(LogProgress.summary(of: []).complete == false)
    }

    @Test func progressComesFromIndexAndCompletionObjects() throws {
        var index = ChunkIndex()
        try index.add(
            ChunkIndexEntry(
                sequence: 0, firstLine: 0, lineCount: 3, firstTimestampNanos: 1, lastTimestampNanos: 2,
                compressedBytes: 20, uncompressedBytes: 60))
        let (prefix, progress) = try #require(
            ProgressTrackingStore.progress(key: "ns/r/s/c/index.json", data: index.encoded()))
        #expect(prefix == "ns/r/s/c/")
        #expect(progress == LogProgress(bytes: 60, lines: 3, chunks: 1))
        let (_, complete) = try #require(
            ProgressTrackingStore.progress(
                key: "ns/r/s/c/complete.json", data: LogCompletion(index: index).encoded()))
        #expect(complete.complete && complete.lines == 3)
        #expect(ProgressTrackingStore.progress(key: "ns/r/s/c/chunk-000000000000.zst", data: [1]) == nil)
    }

    @Test func advertisedURL() throws {
        var configuration = AgentConfiguration(nodeName: "n", logStoreURL: try LogStoreURL("file:///tmp/x"))
        #expect(configuration.advertisedURL(boundPort: 8090) == "http://127.0.0.1:8090")
        configuration.advertiseHost = "10.0.0.7"
        #expect(configuration.advertisedURL(boundPort: 8090) == "http://10.0.0.7:8090")
        configuration.advertiseHost = "fd00::7"
        #expect(configuration.advertisedURL(boundPort: 1) == "http://[fd00::7]:1")
        configuration.advertiseURL = "http://agent.example:9000/"
        #expect(configuration.advertisedURL(boundPort: 1) == "http://agent.example:9000")
    }
}
