import AsyncHTTPClient
import C8SAPI
import C8SAgent
import C8SKube
import C8SLogs
import C8STestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(5))) struct AgentRestartTests {
    /// An agent stopped while a step is in the middle of its output, then a new agent on the same state
    /// directory: every line is stored exactly once, in order.
    @Test func restartOnTheSameStateDirectoryLosesAndRepeatsNothing() async throws {
        try await AgentCluster.with { cluster in
            try await withStore(.directory, root: cluster.root) { store, storeURL in
                try await cluster.createRun("rs")
                let state = try cluster.directory("state")
                let gate = try Gate(directory: cluster.root)
                try await cluster.createStepJob(
                    run: "rs", step: "long", node: "node-a",
                    script: """
                        i=0; while [ $i -lt 150 ]; do echo "restart line $i"; i=$((i+1)); done
                        \(gate.wait)
                        while [ $i -lt 300 ]; do echo "restart line $i"; i=$((i+1)); done
                        """)

                // The first agent ships part of the log, then shuts down while the step still runs.
                let partial = try await cluster.withAgent(
                    node: "node-a", store: store, storeURL: storeURL, stateDirectory: state
                ) { _ in
                    try await cluster.waitForStep(run: "rs", step: "long", "some lines stored") {
                        ($0.logs?.lines ?? 0) > 0
                    }
                }
                let summary = try #require(partial.status?[step: "long"]?.logs)
                #expect(summary.complete != true)
                let pod = try #require(try await cluster.pods(run: "rs", step: "long").first)
                let uid = try #require(pod.metadata.uid)
                #expect(FileManager.default.fileExists(atPath: "\(state)/\(uid)/step.checkpoint"))
                #expect(pod.metadata.finalizers?.contains(C8SFinalizers.logs) == true)

                // The step goes on without an agent; a new one takes over from the checkpoints.
                await gate.open()
                try await cluster.withAgent(
                    node: "node-a", store: store, storeURL: storeURL, stateDirectory: state
                ) { _ in
                    let run = try await cluster.waitForCompleteLogs(run: "rs", step: "long")
                    #expect(run.status?[step: "long"]?.logs?.lines == 300)
                    try await cluster.waitForPod(run: "rs", step: "long", "logs finalizer removed") {
                        !($0.metadata.finalizers ?? []).contains(C8SFinalizers.logs)
                    }
                }
                let records = try await storedRecords(
                    store, namespace: "default", run: "rs", step: "long", container: "step")
                #expect(records.map(\.lineNumber) == Array(0..<300))
                #expect(records.map(\.record.text) == (0..<300).map { "restart line \($0)" })
                // Checkpoints of a released Pod are removed.
                #expect(!FileManager.default.fileExists(atPath: "\(state)/\(uid)"))
            }
        }
    }

    /// Two agents, one per node: each ships (and annotates) only the Pods of its own node.
    @Test func eachAgentShipsOnlyItsNodesPods() async throws {
        try await AgentCluster.with { cluster in
            try await withStore(.directory, root: cluster.root) { store, storeURL in
                try await cluster.createRun("two")
                let logsA = CapturedLogs()
                let logsB = CapturedLogs()
                try await cluster.withAgent(
                    node: "node-a", store: store, storeURL: storeURL, stateDirectory: try cluster.directory("state-a"),
                    logs: logsA
                ) { agentA in
                    try await cluster.withAgent(
                        node: "node-b", store: store, storeURL: storeURL,
                        stateDirectory: try cluster.directory("state-b"), logs: logsB
                    ) { agentB in
                        try await cluster.createStepJob(
                            run: "two", step: "on-a", node: "node-a", script: "echo from a; echo again a")
                        try await cluster.createStepJob(
                            run: "two", step: "on-b", node: "node-b", script: "echo from b; echo again b")
                        try await cluster.waitForCompleteLogs(run: "two", step: "on-a")
                        try await cluster.waitForCompleteLogs(run: "two", step: "on-b")
                        let podA = try await cluster.waitForPod(run: "two", step: "on-a", "released") {
                            !($0.metadata.finalizers ?? []).contains(C8SFinalizers.logs)
                        }
                        let podB = try await cluster.waitForPod(run: "two", step: "on-b", "released") {
                            !($0.metadata.finalizers ?? []).contains(C8SFinalizers.logs)
                        }
                        #expect(podA.spec?.nodeName == "node-a")
                        #expect(podB.spec?.nodeName == "node-b")
                        #expect(podA.metadata.annotations?[C8SAnnotations.agentURL] == agentA.baseURL)
                        #expect(podB.metadata.annotations?[C8SAnnotations.agentURL] == agentB.baseURL)
                        let nameA = try #require(podA.metadata.name)
                        let nameB = try #require(podB.metadata.name)
                        #expect(logsA.text.contains("pod.name=\(nameA)"))
                        #expect(!logsA.text.contains(nameB))
                        #expect(logsB.text.contains("pod.name=\(nameB)"))
                        #expect(!logsB.text.contains(nameA))
                        let a = try await storedRecords(
                            store, namespace: "default", run: "two", step: "on-a", container: "step")
                        let b = try await storedRecords(
                            store, namespace: "default", run: "two", step: "on-b", container: "step")
                        #expect(a.map(\.record.text) == ["from a", "again a"])
                        #expect(b.map(\.record.text) == ["from b", "again b"])
                    }
                }
            }
        }
    }
}
