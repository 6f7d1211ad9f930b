import C8SKube
import Foundation
import Testing

@testable import C8STestSupport

@Suite("Cluster simulator: pure parts")
struct KubeletUnitTests {
    @Test func quantities() {
        #expect(ResourceQuantity.millicores("500m") == 500)
        #expect(ResourceQuantity.millicores("2") == 2000)
        #expect(ResourceQuantity.millicores("0.25") == 250)
        #expect(ResourceQuantity.bytes("1Gi") == 1_073_741_824)
        #expect(ResourceQuantity.bytes("128M") == 128_000_000)
        #expect(ResourceQuantity.bytes("1e3") == 1000)
        #expect(ResourceQuantity.bytes("lots") == nil)
        #expect(ResourceQuantity.bytes("-1Gi") == nil)
    }

    @Test func schedulerRoundRobinSelectorAndCapacity() {
        let scheduler = PodScheduler(nodes: [
            SimulatedNode(name: "a", labels: ["zone": "x"], cpu: "2", memory: "4Gi"),
            SimulatedNode(name: "b", cpu: "4", memory: "4Gi"),
        ])
        let small = PodScheduler.Request(millicores: 500, memoryBytes: 1 << 20)
        #expect(scheduler.schedule(small, allocated: [:], cursor: 0) == .bind("a"))
        #expect(scheduler.schedule(small, allocated: [:], cursor: 1) == .bind("b"))
        #expect(scheduler.schedule(small, allocated: [:], cursor: 2) == .bind("a"))
        let full = ["a": PodScheduler.Request(millicores: 1800, memoryBytes: 0)]
        #expect(scheduler.schedule(small, allocated: full, cursor: 0) == .bind("b"), "a has only 200m left")
        var pinned = small
        pinned.nodeSelector = ["kubernetes.io/hostname": "b"]
        #expect(scheduler.schedule(pinned, allocated: [:], cursor: 0) == .bind("b"))
        var zoned = small
        zoned.nodeSelector = ["zone": "x"]
        #expect(scheduler.schedule(zoned, allocated: [:], cursor: 1) == .bind("a"))
        let huge = PodScheduler.Request(millicores: 8000, memoryBytes: 0)
        guard case .unschedulable(let message) = scheduler.schedule(huge, allocated: [:], cursor: 0) else {
            Issue.record("a pod larger than every node was scheduled")
            return
        }
        #expect(message.hasPrefix("0/2 nodes are available: 2 Insufficient cpu"))
    }

    @Test func requestsCountTheLargestInitContainer() {
        var spec = PodSpec(containers: [
            Container(name: "a", resources: ContainerResources(requests: ["cpu": "100m", "memory": "64Mi"])),
            Container(name: "b", resources: ContainerResources(requests: ["cpu": "200m"])),
        ])
        spec.initContainers = [Container(name: "i", resources: ContainerResources(requests: ["cpu": "1"]))]
        let request = PodScheduler.Request(spec: spec)
        #expect(request.millicores == 1000)
        #expect(request.memoryBytes == 64 << 20)
    }

    @Test func mountPathsAreRewrittenAtPathBoundaries() {
        let paths = ContainerEnvironment(
            mounts: [("/workspace", "/tmp/p/ws"), ("/workspace/cache/", "/tmp/p/cache")], root: "/tmp/p/root")
        #expect(paths.rewrite("cd /workspace && ls") == "cd /tmp/p/ws && ls")
        #expect(paths.rewrite("/workspace/src/main.go") == "/tmp/p/ws/src/main.go")
        #expect(paths.rewrite("/workspace/cache/x") == "/tmp/p/cache/x", "the longest mount wins")
        #expect(paths.rewrite("/workspaces") == "/workspaces")
        #expect(paths.rewrite("/home/workspace") == "/home/workspace")
        #expect(paths.rewrite("a:/workspace") == "a:/tmp/p/ws")
        #expect(paths.workingDirectory("/workspace/src") == "/tmp/p/ws/src")
        #expect(paths.workingDirectory("/src") == "/tmp/p/root/src")
        #expect(paths.workingDirectory(nil) == "/tmp/p/root")
    }

    @Test func rotationSuffixIsKubeletsFormat() {
        #expect(CRILogFile.format(0) == "19700101-000000")
        #expect(CRILogFile.format(1_764_031_845) == "20251125-005045")
    }
}
