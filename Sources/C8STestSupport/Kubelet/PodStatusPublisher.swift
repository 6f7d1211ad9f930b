import C8SKube
import Logging
import Synchronization

/// Writes a Pod's latest status to the API (a merge patch of the status subresource), one write at a time: every
/// change wakes the publisher, which always sends the newest state, so writes never go out of order.
final class PodStatusPublisher: Sendable {
    private let client: KubeClient
    private let namespace: String
    private let name: String
    private let logger: Logger
    private let current: Mutex<PodStatusModel>
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    init(client: KubeClient, namespace: String, name: String, initial: PodStatusModel, logger: Logger) {
        self.client = client
        self.namespace = namespace
        self.name = name
        self.logger = logger
        current = Mutex(initial)
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        wake.yield()
    }

    /// Changes the status and schedules a write.
    func update(_ change: (inout PodStatusModel) -> Void) {
        current.withLock { change(&$0) }
        wake.yield()
    }

    var status: PodStatusModel { current.withLock { $0 } }

    /// No more changes: `run()` returns after writing the last one.
    func finish() { wake.finish() }

    /// Writes statuses until `finish()`; stops writing (keeps draining) once the Pod is gone.
    func run() async {
        var gone = false
        var lastWritten: PodStatusModel?
        for await _ in wakeups where !gone {
            let snapshot = status
            guard snapshot != lastWritten else { continue }
            for attempt in 1...3 {
                do {
                    _ = try await client.patch(
                        Pod.self, name: name, namespace: namespace, .merge(["status": snapshot.json]),
                        subresource: "status")
                    lastWritten = snapshot
                    break
                } catch let error as KubeError where error.isNotFound {
                    gone = true
                    break
                } catch {
                    logger.warning(
                        "cannot write pod status",
                        metadata: [
                            "pod.namespace": "\(namespace)", "pod.name": "\(name)", "attempt": "\(attempt)",
                            "error": "\(error)",
                        ])
                    if Task.isCancelled { break }
                    try? await Task.sleep(for: .milliseconds(100 * attempt))
                }
            }
        }
    }
}
