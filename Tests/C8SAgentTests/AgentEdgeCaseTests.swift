import C8SAPI
import C8SAgent
import C8SKube
import C8SLogs
import C8STestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(5))) struct AgentEdgeCaseTests {
    /// A step whose container never starts (its Secret is missing; the Job's deadline ends the Pod): a reader
    /// finds an empty, complete log; the status says complete with 0 lines; the Pod is released.
    @Test func containerThatNeverStartedGetsAnEmptyCompleteLog() async throws {
        try await AgentCluster.with { cluster in
            try await withStore(.directory, root: cluster.root) { store, storeURL in
                try await cluster.createRun("ns")
                try await cluster.withAgent(
                    node: "node-a", store: store, storeURL: storeURL, stateDirectory: try cluster.directory("state")
                ) { _ in
                    try await cluster.createStepJob(
                        run: "ns", step: "never", node: "node-a", script: "echo never printed",
                        env: [.secret("X", secretName: "missing", key: "x")], activeDeadlineSeconds: 1)
                    let run = try await cluster.waitForCompleteLogs(run: "ns", step: "never")
                    #expect(
                        run.status?[step: "never"]?.logs
                            == PipelineRun.LogSummary(
                                bytes: 0, lines: 0, chunks: 0, complete: true))
                    try await cluster.waitFor(
                        Pod.self,
                        selector: ListOptions(
                            labelSelector: "job-name=\(PipelineRun.jobName(run: "ns", step: "never"))"),
                        "the Pod deleted once released"
                    ) { $0.isEmpty ? true : nil }
                    let reader = LogReader(
                        store: store,
                        location: try LogLocation(namespace: "default", run: "ns", step: "never", container: "step"))
                    #expect(try await reader.completion()?.lines == 0)
                    #expect(
                        try await storedRecords(
                            store, namespace: "default", run: "ns", step: "never", container: "step"
                        ).isEmpty)
                }
            }
        }
    }

    /// A Secret the Pod references that cannot be read yet: nothing is shipped (so nothing unmasked), the
    /// failure is logged with the Secret's name and retried; once it exists, the log is stored masked.
    @Test func unreadableSecretIsRetriedAndNothingShipsUnmasked() async throws {
        try await AgentCluster.with { cluster in
            try await withStore(.directory, root: cluster.root) { store, storeURL in
                try await cluster.createRun("late")
                let logs = CapturedLogs()
                try await cluster.withAgent(
                    node: "node-a", store: store, storeURL: storeURL, stateDirectory: try cluster.directory("state"),
                    logs: logs
                ) { _ in
                    // A bare step Pod on node-a whose envFrom names a Secret that does not exist yet. (The
                    // simulated kubelet ignores envFrom, so the container starts and prints the value itself.)
                    _ = try cluster.server.create([
                        "apiVersion": "v1", "kind": "Pod",
                        "metadata": [
                            "name": "late-step", "namespace": "default",
                            "labels": [C8SLabels.pipelineRun: "late", C8SLabels.step: "build"],
                            "finalizers": [.string(C8SFinalizers.logs)],
                        ],
                        "spec": [
                            "nodeName": "node-a", "restartPolicy": "Never",
                            "containers": [
                                [
                                    "name": "step", "image": "busybox:1.36",
                                    "command": ["sh", "-c", .string("echo \"value is \(secretValue)\"; echo done")],
                                    "envFrom": [["secretRef": ["name": "late-secret"]]],
                                ]
                            ],
                        ],
                    ])
                    try await withDeadline(.seconds(30), "the agent to report the unreadable Secret") {
                        await logs.waitForLine(containing: "secret.name=late-secret")
                    }
                    let early = try await storedObjects(store)
                    #expect(early.keys.filter { $0.hasSuffix(".zst") }.isEmpty, "shipped before the masker was ready")
                    try await cluster.createSecret("late-secret", ["VALUE": secretValue])
                    try await cluster.waitForCompleteLogs(run: "late", step: "build")
                    let records = try await storedRecords(
                        store, namespace: "default", run: "late", step: "build", container: "step")
                    #expect(records.map(\.record.text) == ["value is ***", "done"])
                    #expect(!logs.text.contains(secretValue))
                }
            }
        }
    }
}
