import C8SKube
import C8SLogs
import C8STestSupport
import Foundation
import Testing

/// A test cluster: the API server, the simulator and a client, with a private log root.
struct KubeletTestCluster: Sendable {
    var server: TestAPIServer
    var simulator: ClusterSimulator
    var client: KubeClient
    var logRoot: String
}

func withKubeletCluster<T: Sendable>(
    nodes: [String] = ["node-a"],
    configure: @escaping @Sendable (inout ClusterSimulator.Configuration) -> Void = { _ in },
    _ body: @escaping @Sendable (KubeletTestCluster) async throws -> T
) async throws -> T {
    let logRoot = NSTemporaryDirectory() + "/c8s-kubelet-test-" + UUID().uuidString.lowercased()
    defer { try? FileManager.default.removeItem(atPath: logRoot) }
    return try await withTestAPIServer { server in
        try await withClusterSimulator(server: server, nodes: nodes, logRoot: logRoot, configure: configure) { sim in
            try await withKubeClient(configuration: KubeClientConfiguration(server: server.baseURL.absoluteString)) {
                client in
                try await body(KubeletTestCluster(server: server, simulator: sim, client: client, logRoot: logRoot))
            }
        }
    }
}

extension KubeletTestCluster {
    /// Waits (on a watch) until the object named `name` satisfies `condition`; returns it.
    func waitFor<R: KubeResource>(
        _ type: R.Type, _ name: String, namespace: String = "default", timeout: Double = 20,
        _ what: String, until condition: @escaping @Sendable (R) -> Bool
    ) async throws -> R {
        let client = client
        return try await withDeadline(.seconds(timeout), "\(R.kind) \(name): \(what)") {
            while true {
                let list = try await client.list(
                    R.self, namespace: namespace, options: ListOptions(fieldSelector: "metadata.name=\(name)"))
                if let object = list.items.first, condition(object) { return object }
                let events = try await client.watch(
                    R.self, namespace: namespace,
                    options: ListOptions(
                        fieldSelector: "metadata.name=\(name)", resourceVersion: list.metadata.resourceVersion))
                for try await event in events {
                    switch event {
                    case .added(let object), .modified(let object):
                        if condition(object) { return object }
                    default: break
                    }
                }
            }
        }
    }

    /// Waits (on a watch) until the object named `name` is gone.
    func waitForDeletion<R: KubeResource>(
        _ type: R.Type, _ name: String, namespace: String = "default", timeout: Double = 20
    ) async throws {
        let client = client
        try await withDeadline(.seconds(timeout), "\(R.kind) \(name) to be deleted") {
            while true {
                let list = try await client.list(
                    R.self, namespace: namespace, options: ListOptions(fieldSelector: "metadata.name=\(name)"))
                if list.items.isEmpty { return }
                let events = try await client.watch(
                    R.self, namespace: namespace,
                    options: ListOptions(
                        fieldSelector: "metadata.name=\(name)", resourceVersion: list.metadata.resourceVersion))
                for try await event in events {
                    if case .deleted = event { return }
                }
            }
        }
    }

    /// The Pods of a Job.
    func pods(ofJob job: String, namespace: String = "default") async throws -> [Pod] {
        try await client.list(Pod.self, namespace: namespace, options: ListOptions(labelSelector: "job-name=\(job)"))
            .items
    }

    /// Waits until the Job has a Pod matching `condition`.
    func waitForPod(
        ofJob job: String, timeout: Double = 20, _ what: String, until condition: @escaping @Sendable (Pod) -> Bool
    ) async throws -> Pod {
        let client = client
        return try await withDeadline(.seconds(timeout), "pod of job \(job): \(what)") {
            while true {
                let list = try await client.list(
                    Pod.self, namespace: "default", options: ListOptions(labelSelector: "job-name=\(job)"))
                if let pod = list.items.first(where: condition) { return pod }
                let events = try await client.watch(
                    Pod.self, namespace: "default",
                    options: ListOptions(
                        labelSelector: "job-name=\(job)", resourceVersion: list.metadata.resourceVersion))
                for try await event in events {
                    switch event {
                    case .added(let pod), .modified(let pod):
                        if condition(pod) { return pod }
                    default: break
                    }
                }
            }
        }
    }

    /// Creates a Job running `script` with `sh -c` in a container named `main`.
    @discardableResult
    func createJob(
        _ name: String, script: String, backoffLimit: Int32 = 0, activeDeadlineSeconds: Int64? = nil,
        ttl: Int32? = nil, edit: (inout Job) -> Void = { _ in }
    ) async throws -> Job {
        var container = Container(name: "main", image: "busybox:1.36", command: ["sh", "-c", script])
        container.workingDir = nil
        var job = Job(
            metadata: ObjectMeta(name: name, namespace: "default"),
            spec: JobSpec(
                template: PodTemplateSpec(
                    metadata: ObjectMeta(labels: ["app": "kubelet-test"]),
                    spec: PodSpec(containers: [container], restartPolicy: "Never")),
                backoffLimit: backoffLimit, activeDeadlineSeconds: activeDeadlineSeconds, ttlSecondsAfterFinished: ttl))
        edit(&job)
        return try await client.create(job)
    }
}

/// Every CRI record in a container's log directory, in file order (rotated files oldest first, `.gz` ones
/// decompressed with the `gzip` tool, then the live `0.log`).
func readContainerLog(_ directory: String) async throws -> [LogRecord] {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("0.log") }
    func stamp(_ name: String) -> String {
        let base = name.hasSuffix(".gz") ? String(name.dropLast(3)) : name
        return base == "0.log" ? "~live" : base
    }
    var records: [LogRecord] = []
    for name in names.sorted(by: { stamp($0) < stamp($1) }) {
        let path = "\(directory)/\(name)"
        let bytes: [UInt8]
        if name.hasSuffix(".gz") {
            bytes = Array(try await ChildProcess.run("/usr/bin/gzip", ["-dc", path]).standardOutput)
        } else {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        var parser = CRIParser()
        parser.feed(bytes) { entry in
            #expect(!entry.isMalformed, "malformed CRI line in \(name)")
            records.append(entry.record)
        }
        parser.finish { records.append($0.record) }
    }
    return records
}
