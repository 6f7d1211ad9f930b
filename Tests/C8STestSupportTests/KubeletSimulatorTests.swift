import C8SKube
import C8SLogs
import C8STestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Cluster simulator: Job controller, scheduler, kubelet")
struct KubeletSimulatorTests {
    @Test func succeedingJobGetsRealStatusesAndCRILogs() async throws {
        try await withKubeletCluster { cluster in
            let job = try await cluster.createJob("hello", script: "echo hello; echo oops >&2; echo bye")
            let done = try await cluster.waitFor(Job.self, "hello", "Complete") { $0.status?.isComplete == true }
            let status = try #require(done.status)
            #expect(status.succeeded == 1)
            #expect(status.active == nil)
            #expect(status.failed == nil)
            #expect(status.startTime != nil)
            #expect(status.completionTime != nil)
            #expect(status.conditions?.contains { $0.type == "SuccessCriteriaMet" && $0.status == "True" } == true)
            #expect(status.conditions?.first { $0.type == "Complete" }?.reason == "CompletionsReached")

            let pods = try await cluster.pods(ofJob: "hello")
            #expect(pods.count == 1)
            let pod = try #require(pods.first)
            let name = try #require(pod.metadata.name)
            #expect(name.hasPrefix("hello-") && name.count == "hello-".count + 5)
            #expect(pod.metadata.labels?["batch.kubernetes.io/job-name"] == "hello")
            #expect(pod.metadata.labels?["controller-uid"] == job.metadata.uid)
            #expect(pod.metadata.labels?["app"] == "kubelet-test")
            let owner = try #require(pod.metadata.ownerReferences?.first)
            #expect(owner.kind == "Job" && owner.uid == job.metadata.uid)
            #expect(owner.controller == true && owner.blockOwnerDeletion == true)
            #expect(pod.spec?.nodeName == "node-a")

            let podStatus = try #require(pod.status)
            #expect(podStatus.phase == "Succeeded")
            #expect(podStatus.hostIP != nil && podStatus.podIP != nil && podStatus.startTime != nil)
            let conditions = Dictionary(
                (podStatus.conditions ?? []).map { ($0.type, $0.status) }, uniquingKeysWith: { $1 })
            #expect(conditions["PodScheduled"] == "True")
            #expect(conditions["Initialized"] == "True")
            #expect(conditions["Ready"] == "False")
            #expect(conditions["ContainersReady"] == "False")
            let container = try #require(podStatus.containerStatuses?.first)
            #expect(container.name == "main")
            #expect(container.restartCount == 0)
            #expect(container.containerID?.hasPrefix("containerd://") == true)
            let terminated = try #require(container.state?.terminated)
            #expect(terminated.exitCode == 0)
            #expect(terminated.reason == "Completed")
            #expect(terminated.startedAt != nil && terminated.finishedAt != nil)

            let directory = try #require(cluster.simulator.logDirectory(namespace: "default", pod: name))
            #expect(directory == "\(cluster.logRoot)/default_\(name)_\(pod.metadata.uid ?? "")")
            let records = try await readContainerLog("\(directory)/main")
            #expect(records.filter { $0.stream == .stdout }.map(\.text) == ["hello", "bye"])
            #expect(records.filter { $0.stream == .stderr }.map(\.text) == ["oops"])
            #expect(records.allSatisfy { $0.timestampNanos > 0 })
        }
    }

    @Test func failingContainerFailsTheJob() async throws {
        try await withKubeletCluster { cluster in
            try await cluster.createJob("broken", script: "echo about to fail; exit 3")
            let failed = try await cluster.waitFor(Job.self, "broken", "Failed") { $0.status?.isFailed == true }
            #expect(failed.status?.conditions?.first { $0.type == "Failed" }?.reason == "BackoffLimitExceeded")
            #expect(failed.status?.conditions?.contains { $0.type == "FailureTarget" } == true)
            #expect(failed.status?.failed == 1)
            #expect(failed.status?.succeeded == nil)
            #expect(failed.status?.completionTime == nil)
            let pods = try await cluster.pods(ofJob: "broken")
            #expect(pods.count == 1, "backoffLimit 0: no retry")
            let pod = try #require(pods.first)
            #expect(pod.status?.phase == "Failed")
            let terminated = try #require(pod.status?.containerStatuses?.first?.state?.terminated)
            #expect(terminated.exitCode == 3)
            #expect(terminated.reason == "Error")
        }
    }

    @Test func backoffLimitRetriesFailedPods() async throws {
        try await withKubeletCluster { cluster in
            try await cluster.createJob("flaky", script: "exit 1", backoffLimit: 1)
            let failed = try await cluster.waitFor(Job.self, "flaky", "Failed") { $0.status?.isFailed == true }
            #expect(failed.status?.failed == 2)
            #expect(try await cluster.pods(ofJob: "flaky").count == 2)
        }
    }

    @Test func activeDeadlineKillsTheProcess() async throws {
        try await withKubeletCluster { cluster in
            try await cluster.createJob("slow", script: "echo started; sleep 30", activeDeadlineSeconds: 5) { job in
                job.spec!.template.metadata!.finalizers = ["c8s.dev/logs"]
            }
            let running = try await cluster.waitForPod(ofJob: "slow", "Running") { $0.status?.phase == "Running" }
            let processes = cluster.simulator.processes(on: "node-a")
            let process = try #require(processes.first { $0.pod == running.metadata.name })
            #expect(process.container == "main")
            #expect(kill(process.pid, 0) == 0, "the container process runs")

            let failed = try await cluster.waitFor(Job.self, "slow", "Failed") { $0.status?.isFailed == true }
            #expect(failed.status?.conditions?.first { $0.type == "Failed" }?.reason == "DeadlineExceeded")
            let podName = try #require(running.metadata.name)
            // The finalizer keeps the deleted Pod: its final status is written once the process was reaped.
            let killed = try await cluster.waitFor(Pod.self, podName, "Failed") { $0.status?.phase == "Failed" }
            #expect(killed.metadata.deletionTimestamp != nil)
            let terminated = try #require(killed.status?.containerStatuses?.first?.state?.terminated)
            #expect(terminated.exitCode == 137)
            #expect(kill(process.pid, 0) == -1 && errno == ESRCH, "the process group was killed and reaped")
            #expect(!cluster.simulator.processes().contains { $0.pid == process.pid })
            _ = try await cluster.client.patch(Pod.self, name: podName, .json([.remove("/metadata/finalizers")]))
            try await cluster.waitForDeletion(Pod.self, podName)
        }
    }

    @Test func initContainerSharesAnEmptyDirWithTheMainContainer() async throws {
        try await withKubeletCluster { cluster in
            try await cluster.createJob("init", script: "cat data.txt; pwd") { job in
                var spec = job.spec!.template.spec!
                var initContainer = Container(
                    name: "prepare", image: "busybox", command: ["sh", "-c", "echo prepared > /workspace/data.txt"])
                initContainer.volumeMounts = [["name": "ws", "mountPath": "/workspace"]]
                spec.initContainers = [initContainer]
                spec.containers[0].workingDir = "/workspace"
                spec.containers[0].volumeMounts = [["name": "ws", "mountPath": "/workspace"]]
                spec.volumes = [["name": "ws", "emptyDir": [:]]]
                job.spec!.template.spec = spec
            }
            _ = try await cluster.waitFor(Job.self, "init", "Complete") { $0.status?.isComplete == true }
            let pod = try #require(try await cluster.pods(ofJob: "init").first)
            let initStatus = try #require(pod.status?.initContainerStatuses?.first)
            #expect(initStatus.name == "prepare")
            #expect(initStatus.state?.terminated?.exitCode == 0)
            let directory = try #require(cluster.simulator.logDirectory(namespace: "default", pod: pod.metadata.name!))
            let lines = try await readContainerLog("\(directory)/main").map(\.text)
            #expect(lines.first == "prepared")
            #expect(lines.last?.hasSuffix("/ws") == true, "the working directory is the volume's directory")
            #expect(FileManager.default.fileExists(atPath: "\(directory)/prepare/0.log"))
        }
    }

    @Test func secretKeyRefEnvAndAMissingSecret() async throws {
        try await withKubeletCluster { cluster in
            _ = try await cluster.client.create(
                Secret(metadata: ObjectMeta(name: "creds", namespace: "default"), stringData: ["token": "s3cr3t"]))
            try await cluster.createJob("with-secret", script: "echo token=$TOKEN") { job in
                job.spec!.template.spec!.containers[0].env = [.secret("TOKEN", secretName: "creds", key: "token")]
            }
            _ = try await cluster.waitFor(Job.self, "with-secret", "Complete") { $0.status?.isComplete == true }
            let pod = try #require(try await cluster.pods(ofJob: "with-secret").first)
            let directory = try #require(cluster.simulator.logDirectory(namespace: "default", pod: pod.metadata.name!))
            #expect(try await readContainerLog("\(directory)/main").map(\.text) == ["token=s3cr3t"])

            try await cluster.createJob("no-secret", script: "echo late=$LATE") { job in
                job.spec!.template.spec!.containers[0].env = [.secret("LATE", secretName: "later", key: "value")]
            }
            let waiting = try await cluster.waitForPod(ofJob: "no-secret", "CreateContainerConfigError") {
                $0.status?.containerStatuses?.first?.state?.waiting?.reason == "CreateContainerConfigError"
            }
            #expect(waiting.status?.phase == "Pending")
            #expect(waiting.status?.containerStatuses?.first?.state?.waiting?.message == "secret \"later\" not found")
            _ = try await cluster.client.create(
                Secret(metadata: ObjectMeta(name: "later", namespace: "default"), stringData: ["value": "arrived"]))
            _ = try await cluster.waitFor(Job.self, "no-secret", "Complete") { $0.status?.isComplete == true }
            let late = try #require(try await cluster.pods(ofJob: "no-secret").first)
            let lateDirectory = try #require(
                cluster.simulator.logDirectory(namespace: "default", pod: late.metadata.name!))
            #expect(try await readContainerLog("\(lateDirectory)/main").map(\.text) == ["late=arrived"])
        }
    }

    @Test func ttlDeletesTheJobAndAFinalizerKeepsThePod() async throws {
        try await withKubeletCluster { cluster in
            try await cluster.createJob("short-lived", script: "echo done", ttl: 1) { job in
                job.spec!.template.metadata!.finalizers = ["c8s.dev/logs"]
            }
            _ = try await cluster.waitFor(Job.self, "short-lived", "Complete") { $0.status?.isComplete == true }
            let pod = try #require(try await cluster.pods(ofJob: "short-lived").first)
            #expect(pod.metadata.finalizers == ["c8s.dev/logs"])
            let podName = try #require(pod.metadata.name)
            try await cluster.waitForDeletion(Job.self, "short-lived")
            let lingering = try await cluster.waitFor(Pod.self, podName, "deletionTimestamp") {
                $0.metadata.deletionTimestamp != nil
            }
            #expect(lingering.metadata.finalizers == ["c8s.dev/logs"], "the simulator never removes others' finalizers")
            #expect(lingering.status?.phase == "Succeeded")
            _ = try await cluster.client.patch(Pod.self, name: podName, .json([.remove("/metadata/finalizers")]))
            try await cluster.waitForDeletion(Pod.self, podName)
        }
    }

    @Test func chattyContainerLogsRotateWithoutLosingLines() async throws {
        try await withKubeletCluster(configure: {
            $0.logRotation = LogRotationPolicy(maxSize: 8 * 1024, maxFiles: 1000)
        }) {
            cluster in
            let count = 3000
            try await cluster.createJob(
                "chatty", script: "i=1; while [ $i -le \(count) ]; do echo \"line-$i\"; i=$((i+1)); done")
            _ = try await cluster.waitFor(Job.self, "chatty", timeout: 60, "Complete") { $0.status?.isComplete == true }
            let pod = try #require(try await cluster.pods(ofJob: "chatty").first)
            let directory = try #require(cluster.simulator.logDirectory(namespace: "default", pod: pod.metadata.name!))
            let names = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/main")
            let gzipped = names.filter { $0.hasSuffix(".gz") }
            let rotated = names.filter { $0.hasPrefix("0.log.") && !$0.hasSuffix(".gz") }
            #expect(!gzipped.isEmpty, "older rotations are compressed: \(names.sorted())")
            #expect(rotated.count == 1, "only the newest rotation stays uncompressed: \(names.sorted())")
            #expect(names.contains("0.log"))
            #expect(rotated.allSatisfy { $0.range(of: #"^0\.log\.\d{8}-\d{6}$"#, options: .regularExpression) != nil })
            let lines = try await readContainerLog("\(directory)/main").map(\.text)
            #expect(lines == (1...count).map { "line-\($0)" })
        }
    }

    @Test func rotationCapsTheNumberOfFiles() async throws {
        try await withKubeletCluster(configure: { $0.logRotation = LogRotationPolicy(maxSize: 2048, maxFiles: 3) }) {
            cluster in
            try await cluster.createJob(
                "capped", script: "i=1; while [ $i -le 1000 ]; do echo \"line-$i\"; i=$((i+1)); done")
            _ = try await cluster.waitFor(Job.self, "capped", timeout: 60, "Complete") { $0.status?.isComplete == true }
            let pod = try #require(try await cluster.pods(ofJob: "capped").first)
            let directory = try #require(cluster.simulator.logDirectory(namespace: "default", pod: pod.metadata.name!))
            let names = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/main")
            #expect(names.count <= 3, "\(names.sorted())")
            let lines = try await readContainerLog("\(directory)/main").map(\.text)
            #expect(lines.last == "line-1000")
            #expect(lines.count < 1000, "the oldest rotations were removed")
        }
    }

    @Test func podsSpreadOverTwoNodesAndNodeNameIsRespected() async throws {
        try await withKubeletCluster(nodes: ["node-a", "node-b"]) { cluster in
            for index in 0..<4 {
                try await cluster.createJob("spread-\(index)", script: "echo $HOSTNAME")
            }
            try await cluster.createJob("pinned", script: "true") { job in
                job.spec!.template.spec!.nodeName = "node-b"
            }
            try await cluster.createJob("selected", script: "true") { job in
                job.spec!.template.spec!.nodeSelector = ["kubernetes.io/hostname": "node-a"]
            }
            var nodes: [String: String] = [:]
            for name in (0..<4).map({ "spread-\($0)" }) + ["pinned", "selected"] {
                _ = try await cluster.waitFor(Job.self, name, "Complete") { $0.status?.isComplete == true }
                nodes[name] = try await cluster.pods(ofJob: name).first?.spec?.nodeName
            }
            #expect(nodes["pinned"] == "node-b")
            #expect(nodes["selected"] == "node-a")
            let spread = (0..<4).compactMap { nodes["spread-\($0)"] }
            #expect(spread.count == 4)
            #expect(spread.filter { $0 == "node-a" }.count == 2, "round-robin: \(spread)")
            #expect(spread.filter { $0 == "node-b" }.count == 2, "round-robin: \(spread)")
            let node = try #require(cluster.server.get(apiVersion: "v1", kind: "Node", name: "node-b"))
            #expect(node["metadata"]?["labels"]?["kubernetes.io/hostname"] == "node-b")
        }
    }

    @Test func podTooBigForAnyNodeStaysPending() async throws {
        try await withKubeletCluster(configure: { $0.nodes = [SimulatedNode(name: "small", cpu: "1", memory: "1Gi")] })
        {
            cluster in
            try await cluster.createJob("huge", script: "true") { job in
                job.spec!.template.spec!.containers[0].resources = ContainerResources(requests: ["cpu": "4"])
            }
            let pod = try await cluster.waitForPod(ofJob: "huge", "Unschedulable") {
                $0.status?.conditions?.contains { $0.type == "PodScheduled" && $0.reason == "Unschedulable" } == true
            }
            let condition = try #require(pod.status?.conditions?.first { $0.type == "PodScheduled" })
            #expect(condition.status == "False")
            #expect(condition.message?.contains("Insufficient cpu") == true)
            #expect(pod.status?.phase == "Pending")
            #expect(pod.spec?.nodeName == nil)
            let job = try await cluster.client.get(Job.self, name: "huge")
            #expect(job.status?.active == 1)
        }
    }

    @Test func barePodWithItsOwnDeadlineIsKilledByTheKubelet() async throws {
        try await withKubeletCluster(nodes: ["node-a", "node-b"]) { cluster in
            var spec = PodSpec(
                containers: [Container(name: "main", image: "busybox", command: ["sh", "-c", "echo up; sleep 30"])],
                restartPolicy: "Never")
            spec.activeDeadlineSeconds = 1
            _ = try await cluster.client.create(
                Pod(metadata: ObjectMeta(name: "bare", namespace: "default"), spec: spec))
            let failed = try await cluster.waitFor(Pod.self, "bare", "Failed") { $0.status?.phase == "Failed" }
            #expect(failed.status?.reason == "DeadlineExceeded")
            #expect(failed.spec?.nodeName != nil)
            #expect(failed.status?.containerStatuses?.first?.state?.terminated?.exitCode == 137)
            #expect(cluster.simulator.processes().isEmpty)
            let directory = try #require(cluster.simulator.logDirectory(namespace: "default", pod: "bare"))
            #expect(try await readContainerLog("\(directory)/main").map(\.text) == ["up"])
        }
    }
}
