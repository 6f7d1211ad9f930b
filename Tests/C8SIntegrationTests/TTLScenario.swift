import C8SAPI
import C8SCore
import C8SKube
import C8SLogs
import Foundation
import Testing

extension Scenarios {
    /// A step Job deleted right after it finished, before the agent could store the log: its Pod is deleted
    /// while the `c8s.dev/logs` finalizer holds it, and the whole log still ends up in the store, after which the
    /// Pod goes. The simulated installation sets `ttlSecondsAfterFinished: 1` and keeps S3 down from before the
    /// step ends until the Pod was seen held, so the agent cannot have finished first. On a cluster the scenario
    /// deletes the Job itself as soon as it completes.
    @Test func podDeletedBeforeShippingKeepsItsWholeLog() async throws {
        var options = InstallationOptions()
        options.jobTTLSecondsAfterFinished = 5
        options.privateS3 = true
        try await withInstallation(options) { installation in
            try await withHistory(of: Pod.self, client: installation.client, namespace: installation.namespace) {
                pods in
                let lines = 5000
                let simulated = installation as? SimulatedInstallation
                // In the simulated installation the step prints its burst only once S3 is down (it waits for a
                // file the scenario creates then); on a cluster it waits two seconds.
                let gate = simulated.map { $0.scratchDirectory + "/ttl-gate" }
                let wait = gate.map { "while [ ! -e '\($0)' ]; do sleep 0.1; done" } ?? "sleep 2"
                try await installation.createConfig(
                    "ttl",
                    PipelineSpec(steps: [
                        installation.step("burst", "echo ttl start", wait, "seq 1 \(lines) | sed 's/^/ttl line /'")
                    ]))
                try await installation.createRun("ttl-1", config: "ttl")
                try await installation.waitForRun("ttl-1", "step burst running") {
                    $0.status?[step: "burst"]?.phase == .running
                }
                if let simulated, let gate {
                    try await simulated.stopS3()
                    #expect(FileManager.default.createFile(atPath: gate, contents: nil))
                }
                let selector = "\(C8SLabels.pipelineRun)=ttl-1,\(C8SLabels.step)=burst"
                var completeAtDeletion = false
                if !installation.appliesJobTTL {
                    // On a cluster the coordinator keeps its own TTL: delete the Job as soon as the run shows the
                    // step finished (earlier, the coordinator could not tell a finished step from a lost Job).
                    let finished = try await installation.waitForRun("ttl-1", "step burst finished") {
                        $0.status?[step: "burst"]?.phase?.isTerminal == true
                    }
                    completeAtDeletion = finished.status?[step: "burst"]?.logs?.complete == true
                    try await installation.client.delete(
                        Job.self, name: finished.status?[step: "burst"]?.jobName ?? "",
                        namespace: installation.namespace,
                        options: DeleteOptions(propagationPolicy: .background))
                }
                // The Job is deleted (by its TTL) and the Pod with it, but the finalizer holds the Pod.
                try await installation.client.waitForList(
                    Job.self, namespace: installation.namespace, labelSelector: selector,
                    timeout: installation.patience, "the Job deleted"
                ) { $0.isEmpty }
                if simulated != nil {
                    let held = try await installation.client.waitForList(
                        Pod.self, namespace: installation.namespace, labelSelector: selector,
                        timeout: installation.patience, "the Pod deleted and held by its finalizer"
                    ) { pods in
                        pods.contains {
                            $0.metadata.deletionTimestamp != nil
                                && $0.metadata.finalizers?.contains(C8SFinalizers.logs) == true
                        }
                    }
                    #expect(held.count == 1)
                    let run = try await installation.client.get(
                        PipelineRun.self, name: "ttl-1", namespace: installation.namespace)
                    #expect(run.status?[step: "burst"]?.logs?.complete != true)
                }
                try await simulated?.startS3()

                // The agent stores the rest, then lets the Pod go.
                let run = try await installation.waitForLogs("ttl-1", steps: ["burst"])
                #expect(run.status?.phase == .succeeded, "\(run.status?.message ?? "")")
                try await installation.client.waitForList(
                    Pod.self, namespace: installation.namespace, labelSelector: selector,
                    timeout: installation.patience, "the Pod gone once its log was stored"
                ) { $0.isEmpty }
                if !completeAtDeletion {
                    #expect(
                        pods.versions.contains {
                            $0.metadata.deletionTimestamp != nil
                                && $0.metadata.finalizers?.contains(C8SFinalizers.logs) == true
                        }, "the Pod was deleted before its log was complete, yet was never seen held by the finalizer")
                }
                let records = try await installation.storedLog(run: "ttl-1", step: "burst")
                #expect(records.map(\.record.text) == ["ttl start"] + (1...lines).map { "ttl line \($0)" })
                #expect(run.status?[step: "burst"]?.logs?.lines == Int64(lines + 1))
            }
        }
    }
}
