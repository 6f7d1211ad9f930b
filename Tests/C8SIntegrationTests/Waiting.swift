import C8SKube
import C8STestSupport
import Foundation
import Synchronization

extension KubeClient {
    /// Waits on a watch of the object named `name` until `condition` holds for it, and returns it; lists again
    /// whenever a watch ends (server timeout, 410 Gone). Throws ``DeadlineExceeded`` after `timeout`.
    func waitFor<R: KubeResource>(
        _ type: R.Type, _ name: String, namespace: String, timeout: Duration = .seconds(60), _ what: String,
        until condition: @escaping @Sendable (R) -> Bool
    ) async throws -> R {
        let last = LastSeen()
        return try await withDeadline(timeout, "\(R.kind) \(namespace)/\(name): \(what)", lastSeen: { last.text }) {
            let selector = "metadata.name=\(name)"
            while true {
                let list = try await self.list(
                    R.self, namespace: namespace, options: ListOptions(fieldSelector: selector))
                if let object = list.items.first {
                    last.set(object)
                    if condition(object) { return object }
                }
                do {
                    let events = try await self.watch(
                        R.self, namespace: namespace,
                        options: ListOptions(
                            fieldSelector: selector, resourceVersion: list.metadata.resourceVersion,
                            allowWatchBookmarks: true))
                    for try await event in events {
                        switch event {
                        case .added(let object), .modified(let object):
                            last.set(object)
                            if condition(object) { return object }
                        default: break
                        }
                    }
                } catch let error as KubeError where error.isGone {
                    continue
                }
            }
        }
    }
}

/// The last version of an awaited object, for the timeout message.
final class LastSeen: Sendable {
    private let value = Mutex("nothing")
    var text: String { value.withLock { $0 } }
    func set<R: KubeResource>(_ object: R) {
        let data = (try? KubeCodec.encode(object)).map { String(decoding: $0, as: UTF8.self) } ?? "\(object)"
        value.withLock { $0 = String(data.prefix(4000)) }
    }
}

extension KubeClient {
    /// Waits on a watch of the `R` objects matching `labelSelector` until `condition` holds for the current list,
    /// and returns that list. Throws ``DeadlineExceeded`` after `timeout`.
    @discardableResult
    func waitForList<R: KubeResource>(
        _ type: R.Type, namespace: String, labelSelector: String, timeout: Duration, _ what: String,
        until condition: @escaping @Sendable ([R]) -> Bool
    ) async throws -> [R] {
        let last = Mutex("nothing")
        return try await withDeadline(
            timeout, "\(R.kind) \(labelSelector): \(what)", lastSeen: { last.withLock { $0 } }
        ) {
            while true {
                let list = try await self.list(
                    R.self, namespace: namespace, options: ListOptions(labelSelector: labelSelector))
                last.withLock { $0 = "\(list.items.count) objects: \(list.items.compactMap(\.metadata.name))" }
                if condition(list.items) { return list.items }
                do {
                    let events = try await self.watch(
                        R.self, namespace: namespace,
                        options: ListOptions(
                            labelSelector: labelSelector, resourceVersion: list.metadata.resourceVersion,
                            allowWatchBookmarks: true))
                    for try await event in events {
                        if case .bookmark = event { continue }
                        break
                    }
                } catch let error as KubeError where error.isGone {
                    continue
                }
            }
        }
    }
}
