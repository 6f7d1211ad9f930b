import C8SAPI
import C8SKube
import Logging
import ServiceLifecycle
import Synchronization

/// An informer cache of PipelineRuns (one per watched namespace, or one for all), kept by every coordinator replica
/// for the dashboard and the run-change streams, whose changes are broadcast to subscribers; pages and streams read
/// runs from it, never from the API server per request. RepositoryConnections (for commit links) change rarely:
/// they are listed when a page needs them and kept for `listTTL` (one watch less on the client's connection pool,
/// which also carries the reconciler's watches); the pipelines page lists configs when it is opened.
public final class RunCache: Service, Sendable {
    let runs: [Informer<PipelineRun>]
    let client: KubeClient
    let listTTL: Duration
    let maximumSubscribers: Int
    private let listed = Mutex<
        [String: (
            expires: ContinuousClock.Instant, configs: [PipelineConfig], connections: [C8SAPI.RepositoryConnection]
        )]
    >([:])
    private let subscribers = Mutex<(next: UInt64, continuations: [UInt64: AsyncStream<RunChange>.Continuation])>(
        (0, [:]))

    /// - Parameter namespaces: the namespaces to watch; empty: all.
    public init(
        client: KubeClient, namespaces: [String], maximumSubscribers: Int = 1024, listTTL: Duration = .seconds(15),
        logger: Logger
    ) {
        let scopes: [String?] = namespaces.isEmpty ? [nil] : namespaces
        runs = scopes.map { Informer(client: client, configuration: .init(namespace: $0), logger: logger) }
        self.client = client
        self.listTTL = listTTL
        self.maximumSubscribers = maximumSubscribers
        let handler = InformerHandler<PipelineRun>(
            onAdd: { [weak self] in self?.broadcast(RunChange(.added, $0)) },
            onUpdate: { [weak self] _, new in self?.broadcast(RunChange(.modified, new)) },
            onDelete: { [weak self] in self?.broadcast(RunChange(.deleted, $0)) })
        for informer in runs { informer.addHandler(handler) }
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                for informer in self.runs { group.addTask { try await informer.run() } }
            }
        }
        finishSubscribers()
    }

    /// Whether every cache has been filled once.
    public var hasSynced: Bool { runs.allSatisfy(\.hasSynced) }

    /// Waits until every cache has been filled once, at most `timeout`; returns whether they have.
    func waitForSync(timeout: Duration = .seconds(10)) async -> Bool {
        if hasSynced { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for informer in self.runs { await informer.waitForSync() }
                return self.hasSynced
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// The cached runs of a namespace (nil: all).
    public func runs(namespace: String?) -> [PipelineRun] { runs.flatMap { $0.cache.list(namespace: namespace) } }

    /// A cached run.
    public func run(_ name: String, namespace: String) -> PipelineRun? {
        runs.lazy.compactMap { $0.cache.get(name: name, namespace: namespace) }.first
    }

    /// The configs and repository connections of a namespace, listed at most every `listTTL`.
    func listed(namespace: String) async throws -> (
        configs: [PipelineConfig], connections: [C8SAPI.RepositoryConnection]
    ) {
        let now = ContinuousClock.now
        if let entry = listed.withLock({ $0[namespace] }), entry.expires > now {
            return (entry.configs, entry.connections)
        }
        let configs = try await client.listAll(PipelineConfig.self, namespace: namespace).items
        let connections = try await client.listAll(C8SAPI.RepositoryConnection.self, namespace: namespace).items
        listed.withLock { entries in
            if entries.count >= 1024 { entries = [:] }
            entries[namespace] = (now + listTTL, configs, connections)
        }
        return (configs, connections)
    }

    /// The namespaces that hold cached runs, sorted.
    public var namespaces: [String] { Set(runs(namespace: nil).compactMap(\.metadata.namespace)).sorted() }

    /// A stream of run changes from now on (the newest 256 are kept when the reader is slow), or nil when
    /// `maximumSubscribers` streams are open.
    func subscribe() -> AsyncStream<RunChange>? {
        let (stream, continuation) = AsyncStream.makeStream(of: RunChange.self, bufferingPolicy: .bufferingNewest(256))
        let id: UInt64? = subscribers.withLock { state in
            guard state.continuations.count < maximumSubscribers else { return nil }
            state.next += 1
            state.continuations[state.next] = continuation
            return state.next
        }
        guard let id else { return nil }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    private func broadcast(_ change: RunChange) {
        let continuations = subscribers.withLock { Array($0.continuations.values) }
        for continuation in continuations { continuation.yield(change) }
    }

    private func finishSubscribers() {
        let continuations = subscribers.withLock { state in
            defer { state.continuations = [:] }
            return Array(state.continuations.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
