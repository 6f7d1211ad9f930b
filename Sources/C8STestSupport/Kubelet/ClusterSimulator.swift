import C8SCommon
import C8SKube
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Makes the in-memory API server behave like a small cluster, through the API only (informers, patches, the
/// binding subresource), like real controllers:
///
/// - the **Job controller** creates each Job's Pod from its template, counts active/succeeded/failed Pods, applies
///   `backoffLimit` and `activeDeadlineSeconds`, sets the `Complete`/`Failed` conditions (with
///   `SuccessCriteriaMet`/`FailureTarget` first) and deletes finished Jobs after `ttlSecondsAfterFinished`;
/// - the **scheduler** binds Pods to the configured nodes (`spec.nodeName`, `nodeSelector`, CPU/memory requests
///   against node capacity, else round-robin), leaving Pods that fit nowhere Pending with `PodScheduled=False`;
/// - the **kubelet** of every node runs init containers, then containers, as local process groups (the image is
///   ignored), writes their output as CRI log files under `<logRoot>/<namespace>_<pod>_<uid>/<container>/0.log`
///   with kubelet's rotation, reports the Pod status like the real kubelet, and kills the processes of a deleted
///   Pod.
///
/// With ``Configuration/immediateExitCode`` set, there are no nodes, no scheduler and no processes: each Pod ends
/// as soon as it is seen, every container terminated with that exit code (what a dispatch benchmark needs: the
/// coordinator is what is timed, not the simulated cluster).
///
/// The controllers work per change: the Job controller finds a Job's Pods through an index by controller uid, and
/// the scheduler keeps each node's allocation up to date from the Pod events (no scan of the Pod cache per Pod).
///
/// Use ``withClusterSimulator(server:nodes:logRoot:configure:_:)`` in tests, or run it as a `Service`. One
/// instance runs once.
public final class ClusterSimulator: Service, Sendable {
    /// The simulated cluster.
    ///
    /// - `nodes`: the nodes Pods are scheduled to and run on.
    /// - `logRoot`: the root of the Pod log directories (`/var/log/pods` on a real node).
    /// - `workRoot`: where Pods' volumes and working directories are created (a fresh temporary directory when
    ///   nil); each Pod's directory is removed when it ends.
    /// - `logRotation`: kubelet's `containerLogMaxSize`/`containerLogMaxFiles`.
    /// - `namespace`: the namespace to watch; nil watches all.
    /// - `registerNodes`: create a `Node` object per node.
    /// - `configRetryInterval`: how often a container waiting on a missing Secret is retried.
    /// - `immediateExitCode`: when set, Pods are neither scheduled nor run: each one is marked terminated at once
    ///   (every container with this exit code; phase `Succeeded` for 0, else `Failed`); `nodes` may be empty.
    public struct Configuration: Sendable {
        public var nodes: [SimulatedNode]
        public var logRoot: String
        public var workRoot: String?
        public var logRotation: LogRotationPolicy
        public var namespace: String?
        public var registerNodes: Bool
        public var configRetryInterval: Duration
        public var immediateExitCode: Int32?

        public init(
            nodes: [SimulatedNode], logRoot: String, workRoot: String? = nil,
            logRotation: LogRotationPolicy = LogRotationPolicy(), namespace: String? = nil,
            registerNodes: Bool = true, configRetryInterval: Duration = .milliseconds(500),
            immediateExitCode: Int32? = nil
        ) {
            self.immediateExitCode = immediateExitCode
            self.nodes = nodes
            self.logRoot = logRoot
            self.workRoot = workRoot
            self.logRotation = logRotation
            self.namespace = namespace
            self.registerNodes = registerNodes
            self.configRetryInterval = configRetryInterval
        }
    }

    /// A container process running on a simulated node.
    public struct RunningProcess: Sendable, Hashable {
        public var node: String
        public var namespace: String
        public var pod: String
        public var podUID: String
        public var container: String
        /// The process id (also its process group id).
        public var pid: Int32
    }

    public let configuration: Configuration
    /// The Pod cache's index of Pods by the uid of their controlling Job.
    static let controllerUIDIndex = "controller-uid"
    let apiServer: URL
    let client: KubeClient
    let logger: Logger
    let jobs: Informer<Job>
    let pods: Informer<Pod>
    let jobQueue = WorkQueue<ObjectKey>(backoff: Backoff(initial: .milliseconds(20), maximum: .seconds(2)))
    let podQueue = WorkQueue<ObjectKey>(backoff: Backoff(initial: .milliseconds(20), maximum: .seconds(2)))
    let workRoot: String
    let podStarts: AsyncStream<Pod>
    let podStartsContinuation: AsyncStream<Pod>.Continuation

    struct State {
        /// Pods created per Job uid that the informer has not shown yet (the real controller's expectations).
        var expectedPods: [String: Set<String>] = [:]
        /// Pods bound but not yet seen bound in the informer: uid → (node, request).
        var assumedPods: [String: (node: String, request: PodScheduler.Request)] = [:]
        /// What the bound, unfinished Pods the informer shows request per node (kept up to date per Pod event).
        var allocated: [String: PodScheduler.Request] = [:]
        /// Every Pod uid the kubelet started (a Pod runs once).
        var startedPods: Set<String> = []
        /// Pods running now, by uid.
        var runtimes: [String: PodRuntime] = [:]
        var cursor = 0
        var nextPodIP = 1
    }

    let state = Mutex(State())

    /// A simulator for the API server at `apiServer` (plain HTTP, no credentials: the test server).
    public init(apiServer: URL, configuration: Configuration, logger: Logger = Logger(label: "c8s.sim")) throws {
        guard !configuration.nodes.isEmpty || configuration.immediateExitCode != nil else {
            throw ClusterSimulatorError.configuration("no nodes configured")
        }
        let names = configuration.nodes.map(\.name)
        guard Set(names).count == names.count else {
            throw ClusterSimulatorError.configuration("duplicate node names in \(names)")
        }
        self.configuration = configuration
        self.apiServer = apiServer
        self.logger = logger
        client = try KubeClient(
            configuration: KubeClientConfiguration(server: apiServer.absoluteString, userAgent: "c8s-sim"),
            logger: logger)
        let informerConfiguration = Informer<Job>.Configuration(namespace: configuration.namespace)
        jobs = Informer(client: client, configuration: informerConfiguration, logger: logger)
        pods = Informer(
            client: client, configuration: Informer<Pod>.Configuration(namespace: configuration.namespace),
            indexers: [Self.controllerUIDIndex: Indexer { pod in pod.controllerUID.map { [$0] } ?? [] }],
            logger: logger)
        workRoot =
            configuration.workRoot
            ?? (NSTemporaryDirectory() + "/c8s-sim-" + UUID().uuidString.lowercased())
        (podStarts, podStartsContinuation) = AsyncStream.makeStream(of: Pod.self)
    }

    /// A simulator for `server`.
    public convenience init(
        server: TestAPIServer, configuration: Configuration, logger: Logger = Logger(label: "c8s.sim")
    )
        throws
    {
        try self.init(apiServer: server.baseURL, configuration: configuration, logger: logger)
    }

    /// Runs the controllers, the scheduler and the kubelets until the task is cancelled (or a graceful shutdown),
    /// then kills every container process.
    public func run() async throws {
        try FileManager.default.createDirectory(atPath: workRoot, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: configuration.logRoot, withIntermediateDirectories: true)
        defer {
            killAll(reason: "Shutdown")
            if configuration.workRoot == nil { try? FileManager.default.removeItem(atPath: workRoot) }
        }
        do {
            if configuration.registerNodes { try await registerNodes() }
            installHandlers()
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.jobs.run() }
                    group.addTask { try await self.pods.run() }
                    group.addTask {
                        _ = await self.jobs.waitForSync()
                        _ = await self.pods.waitForSync()
                        await self.jobQueue.run(workers: 2) { try await self.reconcileJob($0) }
                    }
                    group.addTask {
                        _ = await self.jobs.waitForSync()
                        _ = await self.pods.waitForSync()
                        await self.podQueue.run(workers: 1) { try await self.reconcilePod($0) }
                    }
                    group.addTask {
                        await withTaskGroup(of: Void.self) { workers in
                            for await pod in self.podStarts {
                                workers.addTask { await self.runPod(pod) }
                            }
                            workers.cancelAll()
                        }
                    }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch is CancellationError {
        } catch {
            podStartsContinuation.finish()
            try? await client.shutdown()
            throw error
        }
        podStartsContinuation.finish()
        try? await client.shutdown()
    }

    /// Waits until the simulator's informers have listed the cluster once (false when cancelled first).
    @discardableResult
    public func waitUntilReady() async -> Bool {
        let jobsReady = await jobs.waitForSync()
        let podsReady = await pods.waitForSync()
        return jobsReady && podsReady
    }

    /// The container processes running now on `node` (every node when nil).
    public func processes(on node: String? = nil) -> [RunningProcess] {
        let runtimes = state.withLock { Array($0.runtimes.values) }
        return runtimes.filter { node == nil || $0.node == node }.flatMap { runtime in
            runtime.processes.map {
                RunningProcess(
                    node: runtime.node, namespace: runtime.namespace, pod: runtime.name, podUID: runtime.uid,
                    container: $0.container, pid: $0.pid)
            }
        }.sorted { ($0.node, $0.namespace, $0.pod, $0.container) < ($1.node, $1.namespace, $1.pod, $1.container) }
    }

    /// The log directory of a Pod: `<logRoot>/<namespace>_<name>_<uid>` (each container writes into
    /// `<container>/0.log` below it).
    public func logDirectory(namespace: String, pod: String, uid: String) -> String {
        "\(configuration.logRoot)/\(namespace)_\(pod)_\(uid)"
    }

    /// The log directory of a Pod the simulator knows (from its informer), nil when it does not.
    public func logDirectory(namespace: String, pod: String) -> String? {
        guard let uid = pods.cache.get(name: pod, namespace: namespace)?.metadata.uid else { return nil }
        return logDirectory(namespace: namespace, pod: pod, uid: uid)
    }

    /// The node a Pod runs on in this simulator, nil when none of its kubelets runs it.
    public func node(ofPodUID uid: String) -> String? {
        state.withLock { $0.runtimes[uid]?.node }
    }

    func killAll(reason: String) {
        let runtimes = state.withLock { Array($0.runtimes.values) }
        for runtime in runtimes { runtime.kill(reason: reason) }
    }

    private func installHandlers() {
        let jobQueue = jobQueue
        let podQueue = podQueue
        jobs.addHandler(.enqueue(into: jobQueue))
        let enqueueOwner: @Sendable (Pod) -> Void = { pod in
            if let owner = pod.metadata.ownerReferences?.first(where: { $0.controller == true && $0.kind == "Job" }) {
                jobQueue.add(ObjectKey(namespace: pod.metadata.namespace, name: owner.name))
            }
        }
        pods.addHandler(
            InformerHandler(
                onAdd: { [weak self] pod in
                    self?.state.withLock { $0.account(old: nil, new: pod) }
                    podQueue.add(pod.key)
                    enqueueOwner(pod)
                },
                onUpdate: { [weak self] old, pod in
                    self?.state.withLock { $0.account(old: old, new: pod) }
                    podQueue.add(pod.key)
                    enqueueOwner(pod)
                },
                onDelete: { [weak self] pod in
                    if let uid = pod.metadata.uid {
                        let runtime = self?.state.withLock { state in
                            state.account(old: pod, new: nil)
                            state.assumedPods[uid] = nil
                            return state.runtimes[uid]
                        }
                        runtime?.kill(reason: "Deleted")
                    }
                    podQueue.add(pod.key)
                    enqueueOwner(pod)
                }))
    }
}

extension ClusterSimulator.State {
    /// Moves a Pod's requests between nodes' allocations as it changes (a Pod counts while it is bound and not
    /// finished); a Pod seen bound is no longer assumed.
    mutating func account(old: Pod?, new: Pod?) {
        if let old, let (node, request) = Self.allocation(of: old) { allocated[node]?.subtract(request) }
        if let new, let (node, request) = Self.allocation(of: new) {
            allocated[node, default: PodScheduler.Request(millicores: 0, memoryBytes: 0)].add(request)
            if let uid = new.metadata.uid { assumedPods[uid] = nil }
        }
    }

    private static func allocation(of pod: Pod) -> (String, PodScheduler.Request)? {
        guard !pod.isTerminal, let spec = pod.spec, let node = spec.nodeName, !node.isEmpty else { return nil }
        return (node, PodScheduler.Request(spec: spec))
    }
}
