import C8SCommon
import Logging
import ServiceLifecycle
import Synchronization

/// Callbacks for an informer's changes. They run on the informer's task, in order: keep them short (enqueue a
/// key into a `WorkQueue`).
public struct InformerHandler<R: KubeResource>: Sendable {
    public var onAdd: @Sendable (R) -> Void
    public var onUpdate: @Sendable (_ old: R, _ new: R) -> Void
    public var onDelete: @Sendable (R) -> Void

    public init(
        onAdd: @escaping @Sendable (R) -> Void = { _ in },
        onUpdate: @escaping @Sendable (R, R) -> Void = { _, _ in },
        onDelete: @escaping @Sendable (R) -> Void = { _ in }
    ) {
        self.onAdd = onAdd
        self.onUpdate = onUpdate
        self.onDelete = onDelete
    }

    /// Queues the key of every added, updated or deleted object.
    public static func enqueue(into queue: WorkQueue<ObjectKey>) -> InformerHandler {
        InformerHandler(
            onAdd: { queue.add($0.key) }, onUpdate: { _, new in queue.add(new.key) }, onDelete: { queue.add($0.key) })
    }
}

/// Keeps a local cache of one kind in step with the API server, like client-go's shared informer: lists, then
/// watches from the list's resourceVersion (with bookmarks), watches again from the last version seen when a
/// stream ends, and lists again when the server answers 410 Gone. Each change updates the cache, then calls the
/// handlers.
///
/// `run()` runs until its task is cancelled (it is a `Service`).
public final class Informer<R: KubeResource>: Service, Sendable {
    /// Keys:
    /// - `namespace`: the namespace to watch; nil watches all namespaces.
    /// - `labelSelector` / `fieldSelector`: restrict the objects.
    /// - `pageSize`: list page size (default 500).
    /// - `watchTimeoutSeconds`: the server ends each watch after about this long (default 300, jittered up to 2×).
    /// - `backoff`: the pause after a failed list or watch (doubling up to `maximumBackoff`).
    public struct Configuration: Sendable {
        public var namespace: String?
        public var labelSelector: String?
        public var fieldSelector: String?
        public var pageSize: Int = 500
        public var watchTimeoutSeconds: Int = 300
        public var backoff: Duration = .milliseconds(200)
        public var maximumBackoff: Duration = .seconds(30)

        /// The backoff of failed lists and watches.
        var retryBackoff: Backoff { Backoff(initial: backoff, maximum: maximumBackoff) }

        public init(namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil) {
            self.namespace = namespace
            self.labelSelector = labelSelector
            self.fieldSelector = fieldSelector
        }
    }

    /// Counters of what the informer did (for tests and metrics).
    public struct Statistics: Sendable, Hashable {
        public var lists = 0
        public var watches = 0
        public var events = 0
        public var bookmarks = 0
        public var gone = 0
    }

    private struct State {
        var handlers: [InformerHandler<R>] = []
        var synced = false
        var syncWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiterID: UInt64 = 0
        var lastResourceVersion: String?
        var statistics = Statistics()
    }

    public let cache: ResourceCache<R>
    public let configuration: Configuration
    private let client: KubeClient
    private let logger: Logger
    private let state = Mutex(State())

    public init(
        client: KubeClient, configuration: Configuration = Configuration(), indexers: [String: Indexer<R>] = [:],
        logger: Logger? = nil
    ) {
        self.client = client
        self.configuration = configuration
        self.cache = ResourceCache(indexers: indexers)
        var logger = logger ?? client.logger
        logger[metadataKey: "informer.kind"] = "\(R.kind)"
        self.logger = logger
    }

    /// Adds change callbacks; objects already in the cache are reported as added to the new handler.
    public func addHandler(_ handler: InformerHandler<R>) {
        state.withLock { $0.handlers.append(handler) }
        for object in cache.list() { handler.onAdd(object) }
    }

    /// Whether the first list has been applied to the cache.
    public var hasSynced: Bool { state.withLock { $0.synced } }

    /// The resourceVersion of the last list, watch event or bookmark applied.
    public var lastResourceVersion: String? { state.withLock { $0.lastResourceVersion } }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Waits until the first list has been applied to the cache; returns false if the task was cancelled first.
    @discardableResult
    public func waitForSync() async -> Bool {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    if state.synced || Task.isCancelled { return true }
                    state.syncWaiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.syncWaiters.removeValue(forKey: id) }
            waiter?.resume()
        }
        return hasSynced
    }

    /// Lists and watches until the task is cancelled.
    public func run() async throws {
        var failures = 0
        while !Task.isCancelled {
            do {
                var version = try await relist()
                failures = 0
                version = try await watchUntilGone(from: version)
                logger.debug(
                    "resourceVersion expired; listing again", metadata: ["kube.resource_version": "\(version)"])
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let pause = configuration.retryBackoff.delay(attempt: failures)
                logger.warning(
                    "list failed; retrying", metadata: ["error.message": "\(error)", "retry.after": "\(pause)"])
                try? await Task.sleep(for: pause)
            }
        }
    }

    private var listOptions: ListOptions {
        ListOptions(labelSelector: configuration.labelSelector, fieldSelector: configuration.fieldSelector)
    }

    /// Lists everything and makes the cache equal to it; returns the list's resourceVersion.
    private func relist() async throws -> String {
        let list = try await client.listAll(
            R.self, namespace: configuration.namespace, allNamespaces: configuration.namespace == nil,
            options: listOptions, pageSize: configuration.pageSize)
        let delta = cache.withStore { $0.replace(with: list.items) }
        let version = list.metadata.resourceVersion ?? ""
        let (handlers, waiters) = state.withLock { state in
            state.statistics.lists += 1
            state.lastResourceVersion = version
            let waiters = Array(state.syncWaiters.values)
            state.syncWaiters = [:]
            state.synced = true
            return (state.handlers, waiters)
        }
        for handler in handlers {
            for object in delta.added { handler.onAdd(object) }
            for (old, new) in delta.updated { handler.onUpdate(old, new) }
            for object in delta.deleted { handler.onDelete(object) }
        }
        for waiter in waiters { waiter.resume() }
        return version
    }

    /// Watches from `version`, watching again from the last version seen whenever a stream ends or fails; returns
    /// when the server says the version is gone.
    private func watchUntilGone(from version: String) async throws -> String {
        var version = version
        var failures = 0
        while true {
            try Task.checkCancellation()
            var options = listOptions
            options.resourceVersion = version
            options.allowWatchBookmarks = true
            options.timeoutSeconds = Int.random(
                in: configuration.watchTimeoutSeconds...(2 * configuration.watchTimeoutSeconds))
            do {
                state.withLock { $0.statistics.watches += 1 }
                let events = try await client.watch(
                    R.self, namespace: configuration.namespace, allNamespaces: configuration.namespace == nil,
                    options: options)
                for try await event in events {
                    apply(event)
                    if let seen = event.resourceVersion, !seen.isEmpty { version = seen }
                    failures = 0
                }
                logger.trace("watch ended; watching again", metadata: ["kube.resource_version": "\(version)"])
            } catch let error as KubeError where error.isGone {
                state.withLock { $0.statistics.gone += 1 }
                return version
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                failures += 1
                let pause = configuration.retryBackoff.delay(attempt: failures)
                logger.warning(
                    "watch failed; watching again",
                    metadata: [
                        "error.message": "\(error)", "retry.after": "\(pause)",
                    ])
                try await Task.sleep(for: pause)
            }
        }
    }

    private func apply(_ event: WatchEvent<R>) {
        var change: (old: R?, new: R?)? = nil
        switch event {
        case .added(let object), .modified(let object):
            let old = cache.withStore { $0.upsert(object) }
            change = (old, object)
        case .deleted(let object):
            let old = cache.withStore { $0.remove(object.key) }
            change = (old ?? object, nil)
        case .bookmark:
            break
        }
        let handlers = state.withLock { state in
            if let version = event.resourceVersion, !version.isEmpty { state.lastResourceVersion = version }
            if change == nil { state.statistics.bookmarks += 1 } else { state.statistics.events += 1 }
            return state.handlers
        }
        guard let change else { return }
        for handler in handlers {
            switch (change.old, change.new) {
            case (nil, let new?): handler.onAdd(new)
            case (let old?, let new?): handler.onUpdate(old, new)
            case (let old?, nil): handler.onDelete(old)
            default: break
            }
        }
    }
}
