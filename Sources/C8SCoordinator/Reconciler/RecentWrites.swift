import C8SKube
import Synchronization

/// The objects this coordinator wrote that its informer has not shown yet: what makes reading from the cache
/// read-your-writes. A reconcile that runs again right after writing (a Job event arrives before the run's own
/// status update) sees its last write instead of the older cached copy, so it neither writes with a stale
/// resourceVersion (a conflict) nor takes a Job it just created for a deleted one.
///
/// An entry goes when the informer shows the object at the same or a newer resourceVersion, or deleted. Entries
/// are grouped (a Job under its run) so that a reconcile reads its own in O(its entries). Bounded by the writes
/// in flight: every entry is removed by the informer event its write causes.
final class RecentWrites<R: KubeResource>: Sendable {
    private struct State {
        var objects: [ObjectKey: R] = [:]
        var groups: [String: Set<ObjectKey>] = [:]
    }

    private let group: @Sendable (R) -> String?
    private let state = Mutex(State())

    /// `group` files an object under a group (nil: not grouped).
    init(group: @escaping @Sendable (R) -> String? = { _ in nil }) {
        self.group = group
    }

    /// Remembers an object as written (the server's answer, with its new resourceVersion).
    func record(_ object: R) {
        let key = object.key
        let group = group(object)
        state.withLock { state in
            state.objects[key] = object
            if let group { state.groups[group, default: []].insert(key) }
        }
    }

    /// The informer showed `object`: forget the written copy unless it is newer.
    func observed(_ object: R) {
        let key = object.key
        state.withLock { state in
            guard let written = state.objects[key], !Self.isNewer(written, than: object) else { return }
            Self.remove(key, written, from: &state, group: group)
        }
    }

    /// The informer showed the object deleted.
    func deleted(_ object: R) {
        let key = object.key
        state.withLock { state in
            guard let written = state.objects[key] else { return }
            Self.remove(key, written, from: &state, group: group)
        }
    }

    /// The newer of the cached object and the written one.
    func latest(_ cached: R?, key: ObjectKey) -> R? {
        guard let written = state.withLock({ $0.objects[key] }) else { return cached }
        guard let cached else { return written }
        return Self.isNewer(written, than: cached) ? written : cached
    }

    /// The written objects of a group the cache does not hold yet or holds an older copy of, merged into
    /// `cached` (by key).
    func merged(_ cached: [R], group value: String) -> [R] {
        let written = state.withLock { state in
            (state.groups[value] ?? []).compactMap { state.objects[$0] }
        }
        guard !written.isEmpty else { return cached }
        var byKey: [ObjectKey: R] = [:]
        for object in cached { byKey[object.key] = object }
        for object in written {
            if let existing = byKey[object.key], !Self.isNewer(object, than: existing) { continue }
            byKey[object.key] = object
        }
        return Array(byKey.values)
    }

    var count: Int { state.withLock { $0.objects.count } }

    private static func remove(
        _ key: ObjectKey, _ written: R, from state: inout State, group: (R) -> String?
    ) {
        state.objects[key] = nil
        if let value = group(written) {
            state.groups[value]?.remove(key)
            if state.groups[value]?.isEmpty == true { state.groups[value] = nil }
        }
    }

    /// Whether `a` is a later version than `b`. resourceVersions are opaque to clients in general; every API
    /// server c8s runs against (etcd's revisions, the test server) hands out increasing integers, and an object
    /// whose versions do not parse as integers is taken from the cache.
    static func isNewer(_ a: R, than b: R) -> Bool {
        guard let x = a.metadata.resourceVersion.flatMap(UInt64.init),
            let y = b.metadata.resourceVersion.flatMap(UInt64.init)
        else { return false }
        return x > y
    }
}
