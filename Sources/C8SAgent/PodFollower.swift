import C8SAPI
import C8SKube
import C8SLogs
import Foundation
import Logging

/// Ships the logs of one step Pod (one Pod uid): a ``LogShipper`` per container, masking with the values of the
/// Secrets the Pod references; progress into the run's step status every `statusInterval`; once every container's
/// log is complete, the final status and then the removal of the Pod's `c8s.dev/logs` finalizer.
///
/// Everything happens on one event loop (``run()``): Pod updates, shipper results, timers. Shippers run in their
/// own task group that is never cancelled; they end by finishing (the container is done) or by ``stop()``.
final class PodFollower: Sendable {
    enum Event: Sendable {
        case pod(StepPod)
        case deleted
        case stop
        case masker(SecretMasker)
        case shipped(container: String, Result<LogCompletion?, any Error>)
        case retry(container: String)
        case recheck
        case tick
        case finalized
    }

    let uid: String
    let context: AgentContext
    private let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let initial: StepPod

    init(pod: StepPod, context: AgentContext) {
        uid = pod.uid
        initial = pod
        self.context = context
        (events, continuation) = AsyncStream.makeStream(of: Event.self)
    }

    /// A newer version of the Pod.
    func update(_ pod: StepPod) { continuation.yield(.pod(pod)) }

    /// The Pod is gone from the API: its containers write nothing more.
    func deleted() { continuation.yield(.deleted) }

    /// Graceful shutdown: every shipper stores and commits what it read, without completing.
    func stop() { continuation.yield(.stop) }

    /// Follows the Pod until its logs are complete and its finalizer is removed, or until stopped.
    func run() async {
        var loop = FollowerLoop(pod: initial, context: context, continuation: continuation)
        context.metrics.followedPods.increment()
        defer { context.metrics.followedPods.decrement() }
        context.live.followPod(namespace: initial.namespace, pod: initial.name, containers: initial.containers)
        await withTaskGroup(of: Void.self) { shippers in
            await withTaskGroup(of: Void.self) { helpers in
                loop.start(helpers: &helpers)
                loop.reconcile(shippers: &shippers, helpers: &helpers)
                for await event in events {
                    let done = await loop.handle(event, shippers: &shippers, helpers: &helpers)
                    if done { break }
                }
                loop.stopShippers()
                helpers.cancelAll()
            }
        }
        continuation.finish()
    }
}
