import Synchronization

/// An informer's local cache: a thread-safe `ResourceStore` that controllers read instead of the API server.
public final class ResourceCache<R: KubeResource>: Sendable {
    private let store: Mutex<ResourceStore<R>>

    public init(indexers: [String: Indexer<R>] = [:]) {
        store = Mutex(ResourceStore(indexers: indexers))
    }

    /// The object with a key.
    public func get(_ key: ObjectKey) -> R? { store.withLock { $0[key] } }

    /// The object with a name; `namespace` is required for namespaced kinds.
    public func get(name: String, namespace: String?) -> R? {
        get(ObjectKey(namespace: namespace, name: name))
    }

    /// All objects (of one namespace), sorted by key.
    public func list(namespace: String? = nil) -> [R] {
        store.withLock { store in
            let objects = namespace.map { store.byIndex("namespace", $0) } ?? Array(store.objects.values)
            return objects.sorted { $0.key < $1.key }
        }
    }

    /// The objects filed under `value` by an indexer.
    public func byIndex(_ index: String, _ value: String) -> [R] {
        store.withLock { $0.byIndex(index, value) }.sorted { $0.key < $1.key }
    }

    /// The keys of all objects.
    public var keys: [ObjectKey] { store.withLock { Array($0.objects.keys) } }

    public var count: Int { store.withLock { $0.count } }

    /// A copy of the whole store.
    public var snapshot: ResourceStore<R> { store.withLock { $0 } }

    func withStore<T>(_ body: (inout ResourceStore<R>) -> T) -> T {
        store.withLock { body(&$0) }
    }
}
