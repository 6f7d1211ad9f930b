import C8SKube
import Foundation

/// Everything the in-memory API server holds: served resource types, objects, the global resourceVersion, the
/// bounded event history and the open watches. A value type driven under one lock by `APIStore`; every operation
/// is synchronous, so each request sees and produces one consistent state.
struct APIState: Sendable {
    /// A registered watch.
    struct Watcher: Sendable {
        var filter: WatchFilter
        var continuation: AsyncStream<WatchFrame>.Continuation
    }

    /// How many events are kept for watches resuming from a resourceVersion.
    var eventHistoryLimit: Int
    /// The last resourceVersion handed out.
    var resourceVersion: UInt64 = 100
    /// Served resource types by storage key (`group/plural`).
    var types: [String: ResourceType] = [:]
    /// Objects by storage key, then by `namespace/name`.
    var objects: [String: [String: JSONValue]] = [:]
    /// Recent changes, oldest first; every change after `compactedResourceVersion` is here.
    var history: [StoredEvent] = []
    /// Watches from a resourceVersion below this get 410 Gone.
    var compactedResourceVersion: UInt64 = 0
    var watchers: [Int: Watcher] = [:]
    var nextWatcherID = 1
    /// True while a dry-run copy is being evaluated: nothing is delivered to watches.
    var dryRun = false
    /// Set once the server shuts down: new watches end at once.
    var closed = false

    init(eventHistoryLimit: Int) {
        self.eventHistoryLimit = eventHistoryLimit
        for type in ResourceType.builtIns { types[type.storageKey] = type }
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = try? create(
                type: types["/namespaces"]!, namespace: nil,
                body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]],
                fieldValidation: .ignore)
        }
    }

    // MARK: Lookup

    /// The served type for a URL's group, version and plural resource name.
    func type(group: String, version: String, plural: String) -> ResourceType? {
        guard let type = types["\(group)/\(plural)"], type.version == version else { return nil }
        return type
    }

    static func key(namespace: String?, name: String) -> String { "\(namespace ?? "")/\(name)" }

    func object(_ type: ResourceType, namespace: String?, name: String) -> JSONValue? {
        objects[type.storageKey]?[Self.key(namespace: type.namespaced ? namespace : nil, name: name)]
    }

    /// Every stored object with its type, for garbage collection scans.
    func allObjects() -> [(ResourceType, JSONValue)] {
        var result: [(ResourceType, JSONValue)] = []
        for (storageKey, byKey) in objects {
            guard let type = types[storageKey] else { continue }
            for key in byKey.keys.sorted() { result.append((type, byKey[key]!)) }
        }
        return result
    }

    // MARK: Events

    mutating func nextResourceVersion() -> UInt64 {
        resourceVersion += 1
        return resourceVersion
    }

    /// Records a change and delivers it to every matching watch.
    mutating func emit(_ event: StoredEvent) {
        history.append(event)
        if history.count > eventHistoryLimit {
            let overflow = history.count - eventHistoryLimit
            compactedResourceVersion = history[overflow - 1].resourceVersion
            history.removeFirst(overflow)
        }
        guard !dryRun else { return }
        for watcher in watchers.values {
            if let translated = watcher.filter.translate(event) {
                watcher.continuation.yield(translated)
            }
        }
    }

    /// Drops the whole event history: watches from any earlier resourceVersion now get 410 Gone.
    mutating func compactHistory() {
        history.removeAll()
        compactedResourceVersion = resourceVersion
    }

    /// Ends every open watch stream (clients see the response end and must re-watch).
    mutating func endAllWatches() {
        for watcher in watchers.values { watcher.continuation.finish() }
        watchers.removeAll()
    }

    // MARK: List

    /// The objects of `type` (in `namespace`, or all namespaces) matching the selectors, in key order,
    /// starting after `continueToken`, at most `limit`.
    func list(
        _ type: ResourceType, namespace: String?, labels: LabelSelector?, fields: FieldSelector?, limit: Int?,
        continueToken: String?
    ) throws -> (items: [JSONValue], continueToken: String?, remaining: Int?) {
        var startAfter: String?
        if let continueToken, !continueToken.isEmpty {
            guard let data = Data(base64Encoded: continueToken), let token = try? JSONValue(parsing: Array(data)),
                let start = token["start"]?.stringValue, let tokenRV = token["rv"]?.intValue
            else {
                throw APIError.badRequest("continue key is not valid: illegal base64 data or JSON")
            }
            if UInt64(tokenRV) < compactedResourceVersion {
                throw APIError.gone(
                    "The provided continue parameter is too old to display a consistent list result. You can "
                        + "start a new list without the continue parameter, or use the continue token in this "
                        + "response to retrieve the remainder of the results. Continuing with the provided token "
                        + "results in an inconsistent list - objects that were created, modified, or deleted between "
                        + "the time the first chunk was returned and now may show up in the list.")
            }
            startAfter = start
        }
        let filter = WatchFilter(type: type, namespace: namespace, labels: labels, fields: fields)
        let byKey = objects[type.storageKey] ?? [:]
        var matching: [(String, JSONValue)] = []
        for key in byKey.keys.sorted() {
            if let startAfter, key <= startAfter { continue }
            let object = byKey[key]!
            if let namespace, type.namespaced, object[path: ["metadata", "namespace"]]?.stringValue != namespace {
                continue
            }
            if filter.matches(object) { matching.append((key, object)) }
        }
        guard let limit, limit > 0, matching.count > limit else {
            return (matching.map(\.1), nil, nil)
        }
        let page = matching.prefix(limit)
        let token: JSONValue = ["rv": .int(Int64(resourceVersion)), "start": .string(page.last!.0)]
        return (page.map(\.1), Data(token.serializedBytes).base64EncodedString(), matching.count - limit)
    }

    // MARK: Watch

    /// Registers a watch and queues its initial events: the current objects as ADDED when `resourceVersion` is
    /// empty or "0", else the retained changes after it, or a 410 ERROR when it is older than the history.
    /// With `sendInitialEvents` the current objects come first whatever the resourceVersion, followed by a BOOKMARK
    /// annotated `k8s.io/initial-events-end` (the streaming-list protocol).
    mutating func watch(_ filter: WatchFilter, resourceVersion from: String?, sendInitialEvents: Bool = false)
        -> (id: Int, stream: AsyncStream<WatchFrame>)
    {
        let (stream, continuation) = AsyncStream<WatchFrame>.makeStream()
        let id = nextWatcherID
        nextWatcherID += 1
        if closed {
            continuation.finish()
            return (id, stream)
        }
        if sendInitialEvents {
            let (items, _, _) =
                (try? list(
                    filter.type, namespace: filter.namespace, labels: filter.labels, fields: filter.fields,
                    limit: nil, continueToken: nil)) ?? ([], nil, nil)
            for item in items where filter.matches(item) {
                continuation.yield(WatchFrame(type: "ADDED", object: item))
            }
            continuation.yield(
                WatchFrame(
                    type: "BOOKMARK",
                    object: [
                        "kind": .string(filter.type.kind), "apiVersion": .string(filter.type.apiVersion),
                        "metadata": [
                            "resourceVersion": .string(String(resourceVersion)),
                            "annotations": ["k8s.io/initial-events-end": "true"],
                        ],
                    ]))
        } else if let from, !from.isEmpty, from != "0" {
            guard let start = UInt64(from) else {
                continuation.yield(Self.errorEvent(APIError.badRequest("invalid resource version: \(from)")))
                continuation.finish()
                return (id, stream)
            }
            if start < compactedResourceVersion {
                continuation.yield(
                    Self.errorEvent(
                        APIError.gone("too old resource version: \(start) (\(compactedResourceVersion + 1))")))
                continuation.finish()
                return (id, stream)
            }
            for event in history where event.resourceVersion > start {
                if let translated = filter.translate(event) { continuation.yield(translated) }
            }
        } else {
            let (items, _, _) =
                (try? list(
                    filter.type, namespace: filter.namespace, labels: filter.labels, fields: filter.fields,
                    limit: nil, continueToken: nil)) ?? ([], nil, nil)
            for item in items where filter.matches(item) {
                continuation.yield(WatchFrame(type: "ADDED", object: item))
            }
        }
        watchers[id] = Watcher(filter: filter, continuation: continuation)
        return (id, stream)
    }

    /// Queues a BOOKMARK carrying the current resourceVersion on one watch.
    func bookmark(_ id: Int) {
        guard let watcher = watchers[id] else { return }
        let type = watcher.filter.type
        watcher.continuation.yield(
            WatchFrame(
                type: "BOOKMARK",
                object: [
                    "kind": .string(type.kind), "apiVersion": .string(type.apiVersion),
                    "metadata": ["resourceVersion": .string(String(resourceVersion))],
                ]))
    }

    mutating func stopWatch(_ id: Int) {
        watchers.removeValue(forKey: id)?.continuation.finish()
    }

    static func errorEvent(_ error: APIError) -> WatchFrame {
        WatchFrame(type: "ERROR", object: error.status)
    }
}
