import C8SKube
import Foundation
import Synchronization

/// Every version of every object of one kind in a namespace, seen through a list and a watch started before the
/// scenario acts: the Jobs ever created (even those deleted since, by TTL or a cancel), the Pods with each state
/// they passed through.
final class ObjectHistory<R: KubeResource>: Sendable {
    private struct State {
        var versions: [R] = []
        var deleted: Set<String> = []
    }

    private let state = Mutex(State())

    /// Every version seen, oldest first (an object's versions in the order the server sent them).
    var versions: [R] { state.withLock { $0.versions } }

    /// The latest version of each object ever seen, by UID.
    var objects: [String: R] {
        state.withLock { state in
            var latest: [String: R] = [:]
            for object in state.versions { latest[object.metadata.uid ?? ""] = object }
            return latest
        }
    }

    /// The UIDs of deleted objects.
    var deletedUIDs: Set<String> { state.withLock { $0.deleted } }

    private func record(_ object: R, deleted: Bool = false) {
        state.withLock { state in
            state.versions.append(object)
            if deleted { state.deleted.insert(object.metadata.uid ?? "") }
        }
    }

    /// Lists and watches until cancelled, resuming each ended watch from the last resourceVersion seen (listing
    /// again after 410 Gone); `onSynced` runs once the first list is recorded.
    func record(
        client: KubeClient, namespace: String, labelSelector: String? = nil,
        onSynced: @Sendable () -> Void
    ) async throws {
        var synced = false
        while !Task.isCancelled {
            let list = try await client.list(
                R.self, namespace: namespace, options: ListOptions(labelSelector: labelSelector))
            for object in list.items { record(object) }
            if !synced {
                synced = true
                onSynced()
            }
            var version = list.metadata.resourceVersion
            do {
                while !Task.isCancelled {
                    let events = try await client.watch(
                        R.self, namespace: namespace,
                        options: ListOptions(
                            labelSelector: labelSelector, resourceVersion: version, allowWatchBookmarks: true))
                    for try await event in events {
                        switch event {
                        case .added(let object), .modified(let object): record(object)
                        case .deleted(let object): record(object, deleted: true)
                        case .bookmark: break
                        }
                        version = event.resourceVersion ?? version
                    }
                }
            } catch let error as KubeError where error.code == .gone {
                continue
            }
        }
    }
}

/// Runs `body` while `history` records `R` objects of `namespace`; the recording has its first list before `body`
/// starts.
func withHistory<R: KubeResource, T: Sendable>(
    of type: R.Type, client: KubeClient, namespace: String, labelSelector: String? = nil,
    _ body: (ObjectHistory<R>) async throws -> T
) async throws -> T {
    let history = ObjectHistory<R>()
    let (synced, continuation) = AsyncStream.makeStream(of: Void.self)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        let isSynced = Mutex(false)
        group.addTask {
            defer { continuation.finish() }
            try await history.record(client: client, namespace: namespace, labelSelector: labelSelector) {
                isSynced.withLock { $0 = true }
                continuation.finish()
            }
        }
        defer { group.cancelAll() }
        for await _ in synced {}
        if !isSynced.withLock({ $0 }) {
            try await group.next()
            throw IntegrationError("the \(R.kind) history of namespace \(namespace) ended before its first list")
        }
        return try await body(history)
    }
}
