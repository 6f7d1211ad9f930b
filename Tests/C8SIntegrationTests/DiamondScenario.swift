import C8SAPI
import C8SCore
import C8SKube
import Testing

extension Scenarios {
    /// The diamond `setup → {build-a, build-b} → test`: build-a and build-b run at the same time (their Pods are
    /// Running together), test's Job is created only after both builds completed, the run succeeds, and each
    /// step's log is stored whole.
    @Test func diamondRunsInOrderWithOverlap() async throws {
        try await withInstallation { installation in
            try await withHistory(of: Job.self, client: installation.client, namespace: installation.namespace) {
                jobs in
                try await withHistory(of: Pod.self, client: installation.client, namespace: installation.namespace) {
                    pods in
                    try await installation.createConfig(
                        "diamond",
                        PipelineSpec(steps: [
                            installation.step("setup", "echo diamond setup"),
                            installation.step("build-a", after: ["setup"], "echo diamond build-a", "sleep 3"),
                            installation.step("build-b", after: ["setup"], "echo diamond build-b", "sleep 3"),
                            installation.step("test", after: ["build-a", "build-b"], "echo diamond test"),
                        ]))
                    try await installation.createRun("diamond-1", config: "diamond")
                    let run = try await installation.waitForFinish("diamond-1")
                    #expect(run.status?.phase == .succeeded, "\(run.status?.message ?? "")")
                    for name in ["setup", "build-a", "build-b", "test"] {
                        #expect(run.status?[step: name]?.phase == .succeeded, "step \(name)")
                        #expect(run.status?[step: name]?.exitCode == 0, "step \(name)")
                    }

                    // Overlap: both builds' Pods were Running at one moment.
                    #expect(History.ranTogether(["build-a", "build-b"], pods: pods))
                    // Order: test's Job appears only after both build Jobs completed; the builds' after setup's.
                    var completed: Set<String> = []
                    var firstSeen: [String: Set<String>] = [:]
                    for job in jobs.versions {
                        guard let step = History.step(job) else { continue }
                        if firstSeen[step] == nil { firstSeen[step] = completed }
                        if History.isComplete(job) { completed.insert(step) }
                    }
                    #expect(firstSeen["test"]?.isSuperset(of: ["build-a", "build-b"]) == true, "\(firstSeen)")
                    #expect(firstSeen["build-a"]?.contains("setup") == true, "\(firstSeen)")
                    #expect(firstSeen["build-b"]?.contains("setup") == true, "\(firstSeen)")
                    #expect(
                        History.jobUIDsByStep(jobs).mapValues(\.count) == [
                            "setup": 1, "build-a": 1, "build-b": 1, "test": 1,
                        ])
                    // The same order in the run status (second resolution).
                    let status = try #require(run.status)
                    let testStart = try #require(status[step: "test"]?.startTime?.date)
                    for build in ["build-a", "build-b"] {
                        let finished = try #require(status[step: build]?.completionTime?.date)
                        #expect(testStart >= finished, "test started before \(build) finished")
                    }

                    // Every step's log, whole, from the store.
                    try await installation.waitForLogs("diamond-1", steps: ["setup", "build-a", "build-b", "test"])
                    for name in ["setup", "build-a", "build-b", "test"] {
                        let records = try await installation.storedLog(run: "diamond-1", step: name)
                        #expect(records.map(\.record.text) == ["diamond \(name)"], "log of \(name)")
                    }
                }
            }
        }
    }
}
