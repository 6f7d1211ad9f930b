import C8SKube
import C8STestSupport
import Foundation
import Testing

/// The simulator's immediate-completion mode: no nodes, no processes; each Pod ends as soon as it is seen.
@Suite("Cluster simulator: immediate completion")
struct ImmediateCompletionTests {
    @Test func jobsCompleteWithoutNodesOrProcesses() async throws {
        try await withKubeletCluster(
            nodes: [],
            configure: {
                $0.immediateExitCode = 0
                $0.registerNodes = false
            }
        ) {
            cluster in
            for index in 0..<20 {
                try await cluster.createJob("quick-\(index)", script: "sleep 600")
            }
            for index in 0..<20 {
                let done = try await cluster.waitFor(Job.self, "quick-\(index)", "Complete") {
                    $0.status?.isComplete == true
                }
                #expect(done.status?.succeeded == 1)
                let pods = try await cluster.pods(ofJob: "quick-\(index)")
                #expect(pods.count == 1)
                #expect(pods.first?.status?.phase == "Succeeded")
                #expect(pods.first?.spec?.nodeName == nil)
                #expect(pods.first?.status?.containerStatuses?.first?.state?.terminated?.exitCode == 0)
            }
            #expect(cluster.simulator.processes().isEmpty)
        }
    }

    @Test func aNonZeroExitCodeFailsTheJob() async throws {
        try await withKubeletCluster(
            nodes: [],
            configure: {
                $0.immediateExitCode = 3
                $0.registerNodes = false
            }
        ) {
            cluster in
            try await cluster.createJob("quick-fail", script: "true")
            let failed = try await cluster.waitFor(Job.self, "quick-fail", "Failed") { $0.status?.isFailed == true }
            #expect(failed.status?.failed == 1)
            let pod = try #require(try await cluster.pods(ofJob: "quick-fail").first)
            #expect(pod.status?.phase == "Failed")
            let terminated = try #require(pod.status?.containerStatuses?.first?.state?.terminated)
            #expect(terminated.exitCode == 3)
            #expect(terminated.reason == "Error")
        }
    }

    @Test func withoutImmediateCompletionNodesAreRequired() throws {
        #expect(throws: ClusterSimulatorError.self) {
            _ = try ClusterSimulator(
                apiServer: URL(string: "http://127.0.0.1:1")!,
                configuration: .init(nodes: [], logRoot: NSTemporaryDirectory()))
        }
    }

    @Test func theServerCountsRequestsByClientMethodAndResource() async throws {
        try await withTestAPIServer { server in
            let configuration = KubeClientConfiguration(server: server.baseURL.absoluteString, userAgent: "tally-test")
            try await withKubeClient(configuration: configuration) { client in
                let job = Job(
                    metadata: ObjectMeta(name: "counted", namespace: "default"),
                    spec: JobSpec(
                        template: PodTemplateSpec(
                            spec: PodSpec(
                                containers: [Container(name: "main", image: "busybox")], restartPolicy: "Never"))))
                _ = try await client.create(job)
                _ = try await client.get(Job.self, name: "counted", namespace: "default")
                _ = try await client.get(Job.self, name: "counted", namespace: "default")
                _ = try await client.patch(
                    Job.self, name: "counted", namespace: "default", .merge(["status": ["active": 1]]),
                    subresource: "status")
                _ = try await client.list(Pod.self, namespace: "default")
            }
            let counts = server.requestCounts.filter { $0.key.userAgent == "tally-test" }
            #expect(counts[APIRequestTally(userAgent: "tally-test", method: "POST", resource: "jobs")] == 1)
            #expect(counts[APIRequestTally(userAgent: "tally-test", method: "GET", resource: "jobs")] == 2)
            #expect(counts[APIRequestTally(userAgent: "tally-test", method: "PATCH", resource: "jobs/status")] == 1)
            #expect(counts[APIRequestTally(userAgent: "tally-test", method: "GET", resource: "pods")] == 1)
            #expect(counts.values.reduce(0, +) == 5)
        }
    }
}
