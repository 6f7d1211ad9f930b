import C8SAPI
import C8SKube
import C8SLogs
import Foundation
import Logging
import ServiceLifecycle

/// Watches the step Pods of the agent's node and runs a ``PodFollower`` per Pod (uid) for as long as it needs one.
///
/// Pods are watched with `fieldSelector=spec.nodeName=<node>` and `labelSelector=c8s.dev/pipeline-run`, one
/// informer per configured namespace (or one for all). One follower per Pod uid, never two: a restarted agent
/// resumes each Pod from its checkpoints. Graceful shutdown stops every follower (each shipper stores and
/// commits what it read) and waits for them; logs are not completed.
public final class AgentController: Service, Sendable {
    enum Change: Sendable {
        case upsert(AgentPod)
        case delete(AgentPod)
        /// A follower's loop ended (its logs are complete, or it was stopped).
        case ended(uid: String)
        case shutdown
    }

    let configuration: AgentConfiguration
    let client: KubeClient
    let store: ProgressTrackingStore
    let metrics: AgentMetrics
    let live: LiveRegistry
    let advertisedURL: AdvertisedURL
    let logger: Logger
    let informers: [Informer<AgentPod>]

    init(
        configuration: AgentConfiguration, client: KubeClient, store: ProgressTrackingStore, metrics: AgentMetrics,
        live: LiveRegistry, advertisedURL: AdvertisedURL, logger: Logger
    ) {
        self.configuration = configuration
        self.client = client
        self.store = store
        self.metrics = metrics
        self.live = live
        self.advertisedURL = advertisedURL
        self.logger = logger
        let namespaces: [String?] = configuration.namespaces.isEmpty ? [nil] : configuration.namespaces
        informers = namespaces.map { namespace in
            Informer<AgentPod>(
                client: client,
                configuration: .init(
                    namespace: namespace, labelSelector: C8SLabels.pipelineRun,
                    fieldSelector: "spec.nodeName=\(configuration.nodeName)"),
                logger: logger)
        }
    }

    /// Whether every informer has listed the node's Pods once.
    public var isReady: Bool { informers.allSatisfy(\.hasSynced) }

    public func run() async throws {
        let (changes, continuation) = AsyncStream.makeStream(of: Change.self)
        for informer in informers {
            informer.addHandler(
                InformerHandler(
                    onAdd: { continuation.yield(.upsert($0)) },
                    onUpdate: { _, new in continuation.yield(.upsert(new)) },
                    onDelete: { continuation.yield(.delete($0)) }))
        }
        logger.info(
            "agent watching step Pods",
            metadata: [
                "node.name": "\(configuration.nodeName)", "log.root": "\(configuration.logRoot)",
                "log.store": "\(configuration.logStoreURL)",
            ])
        try await LogTailer.withLogTailer(configuration: configuration.tailer, logger: logger) { tailer in
            let context = AgentContext(
                configuration: configuration, client: client, store: store, tailer: tailer, metrics: metrics,
                live: live, advertisedURL: advertisedURL, logger: logger)
            await withTaskGroup(of: Void.self) { watchers in
                for informer in informers {
                    watchers.addTask { [logger] in
                        do {
                            try await informer.run()
                        } catch  where !(error is CancellationError) {
                            logger.error("Pod watch ended", metadata: ["error.message": "\(error)"])
                        } catch {}
                    }
                }
                watchers.addTask { [self] in
                    for informer in informers where !(await informer.waitForSync()) { return }
                    removeStaleCheckpoints()
                }
                await withGracefulShutdownHandler {
                    await self.follow(changes, continuation: continuation, context: context)
                } onGracefulShutdown: {
                    continuation.yield(.shutdown)
                }
                watchers.cancelAll()
            }
        }
        logger.info("agent stopped")
    }

    /// Runs followers for the Pods `changes` reports until shutdown; then stops them and waits for them.
    ///
    /// `followers` holds the running followers by Pod uid; `finished` the uids of Pods whose logs are done but
    /// that still exist (so updates of them start nothing); `gone` the deleted Pods whose followers still run.
    private func follow(
        _ changes: AsyncStream<Change>, continuation: AsyncStream<Change>.Continuation, context: AgentContext
    ) async {
        await withTaskGroup(of: Void.self) { group in
            var followers: [String: PodFollower] = [:]
            var finished = Set<String>()
            var gone = Set<String>()
            loop: for await change in changes {
                switch change {
                case .shutdown:
                    break loop
                case .upsert(let object):
                    guard let pod = read(object), !finished.contains(pod.uid) else { continue }
                    if let follower = followers[pod.uid] {
                        follower.update(pod)
                    } else {
                        let follower = PodFollower(pod: pod, context: context)
                        followers[pod.uid] = follower
                        group.addTask {
                            await follower.run()
                            continuation.yield(.ended(uid: pod.uid))
                        }
                    }
                case .ended(let uid):
                    followers.removeValue(forKey: uid)
                    if gone.remove(uid) == nil { finished.insert(uid) }
                case .delete(let object):
                    guard let uid = object.metadata.uid else { continue }
                    finished.remove(uid)
                    if let follower = followers[uid] {
                        follower.deleted()
                        gone.insert(uid)
                    }
                    if let namespace = object.metadata.namespace, let name = object.metadata.name {
                        live.removePod(namespace: namespace, pod: name)
                    }
                }
            }
            for follower in followers.values { follower.stop() }
        }
    }

    /// Removes the checkpoint directories of Pods that no longer exist (deleted while no agent ran, after their
    /// logs were released). Runs once the informers have listed the node's Pods; only entries named like a Pod uid
    /// are considered.
    func removeStaleCheckpoints() {
        let known = Set(informers.flatMap { $0.cache.list().compactMap(\.metadata.uid) })
        let directory = configuration.stateDirectory
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        // Only Pod uids (UUIDs): other entries (an S3 spool directory, say) are left alone.
        let stale = entries.filter { UUID(uuidString: $0) != nil && !known.contains($0) }
        for uid in stale {
            do {
                try FileManager.default.removeItem(atPath: "\(directory)/\(uid)")
            } catch {
                logger.warning(
                    "cannot remove stale checkpoints", metadata: ["pod.uid": "\(uid)", "error.message": "\(error)"])
            }
        }
        if !stale.isEmpty {
            logger.info("removed checkpoints of Pods that are gone", metadata: ["pods.count": "\(stale.count)"])
        }
    }

    private func read(_ object: AgentPod) -> StepPod? {
        switch StepPod.read(object) {
        case .success(let pod):
            if !configuration.namespaces.isEmpty && !configuration.namespaces.contains(pod.namespace) { return nil }
            return pod
        case .failure(let error):
            logger.debug("ignoring Pod", metadata: ["pod.skipReason": "\(error)"])
            return nil
        }
    }
}
