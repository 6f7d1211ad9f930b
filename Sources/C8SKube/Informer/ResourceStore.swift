/// A function from an object to the index values it is filed under (e.g. a label's value).
public struct Indexer<R: KubeResource>: Sendable {
    public let values: @Sendable (R) -> [String]
    public init(_ values: @escaping @Sendable (R) -> [String]) { self.values = values }

    /// Files objects under their namespace.
    public static var namespace: Indexer { Indexer { [$0.metadata.namespace ?? ""] } }

    /// Files objects under the value of one label (objects without it are not indexed).
    public static func label(_ key: String) -> Indexer {
        Indexer { object in object.metadata.labels?[key].map { [$0] } ?? [] }
    }

    /// Files objects under their controller owner's name (`kind/name`).
    public static var controller: Indexer {
        Indexer { object in
            (object.metadata.ownerReferences ?? []).filter { $0.controller == true }.map { "\($0.kind)/\($0.name)" }
        }
    }
}

/// The objects of one kind by key, with secondary indices: the pure state of an informer's cache.
public struct ResourceStore<R: KubeResource>: Sendable {
    /// What applying a full list changed.
    public struct Delta: Sendable {
        public var added: [R] = []
        public var updated: [(old: R, new: R)] = []
        public var deleted: [R] = []
    }

    public private(set) var objects: [ObjectKey: R] = [:]
    private let indexers: [String: Indexer<R>]
    private var indices: [String: [String: Set<ObjectKey>]] = [:]

    /// A store with the `namespace` index plus `indexers`.
    public init(indexers: [String: Indexer<R>] = [:]) {
        var all = indexers
        all["namespace"] = all["namespace"] ?? .namespace
        self.indexers = all
    }

    public var count: Int { objects.count }

    public subscript(key: ObjectKey) -> R? { objects[key] }

    /// The objects filed under `value` by the indexer `index`.
    public func byIndex(_ index: String, _ value: String) -> [R] {
        (indices[index]?[value] ?? []).compactMap { objects[$0] }
    }

    /// Inserts or replaces an object; returns the previous one.
    @discardableResult
    public mutating func upsert(_ object: R) -> R? {
        let key = object.key
        let old = objects.updateValue(object, forKey: key)
        if let old { unindex(old, key: key) }
        index(object, key: key)
        return old
    }

    /// Removes an object; returns it.
    @discardableResult
    public mutating func remove(_ key: ObjectKey) -> R? {
        guard let old = objects.removeValue(forKey: key) else { return nil }
        unindex(old, key: key)
        return old
    }

    /// Makes the store hold exactly `list`; returns what changed (updates only where the resourceVersion did).
    public mutating func replace(with list: [R]) -> Delta {
        var delta = Delta()
        var seen: Set<ObjectKey> = []
        for object in list {
            seen.insert(object.key)
            if let old = upsert(object) {
                if old.metadata.resourceVersion != object.metadata.resourceVersion {
                    delta.updated.append((old, object))
                }
            } else {
                delta.added.append(object)
            }
        }
        for key in objects.keys where !seen.contains(key) {
            if let old = remove(key) { delta.deleted.append(old) }
        }
        return delta
    }

    private mutating func index(_ object: R, key: ObjectKey) {
        for (name, indexer) in indexers {
            for value in indexer.values(object) {
                indices[name, default: [:]][value, default: []].insert(key)
            }
        }
    }

    private mutating func unindex(_ object: R, key: ObjectKey) {
        for (name, indexer) in indexers {
            for value in indexer.values(object) {
                indices[name]?[value]?.remove(key)
                if indices[name]?[value]?.isEmpty == true { indices[name]?[value] = nil }
            }
        }
    }
}
