import C8SAPI
import C8SKube
import Logging
import ServiceLifecycle
import Synchronization

/// Informer caches of PipelineRuns, PipelineConfigs and RepositoryConnections (one set per watched namespace, or
/// one for all), kept by every coordinator replica for the dashboard and the run-change streams: pages and streams
/// read these caches, never the API server, per request. Changes of runs are broadcast to subscribers.
public final class RunCache: Service, Sendable {
    let runs: [Informer<PipelineRun>]
    let configs: [Informer<PipelineConfig>]
    let connections: [Informer<C8SAPI.RepositoryConnection>]
    let maximumSubscribers: Int
    private let subscribers = Mutex<(next: UInt64, continuations: [UInt64: AsyncStream<RunChange>.Continuation])>(
        (0, [:]))

    /// - Parameter namespaces: the namespaces to watch; empty: all.
    public init(client: KubeClient, namespaces: [String], maximumSubscribers: Int = 1024, logger: Logger) {
        let scopes: [String?] = namespaces.isEmpty ? [nil] : namespaces
        runs = scopes.map { Informer(client: client, configuration: .init(namespace: $0), logger: logger) }
        configs = scopes.map { Informer(client: client, configuration: .init(namespace: $0), logger: logger) }
        connections = scopes.map { Informer(client: client, configuration: .init(namespace: $0), logger: logger) }
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
                for informer in self.configs { group.addTask { try await informer.run() } }
                for informer in self.connections { group.addTask { try await informer.run() } }
            }
        }
        finishSubscribers()
    }

    /// Whether every cache has been filled once.
    public var hasSynced: Bool {
        runs.allSatisfy(\.hasSynced) && configs.allSatisfy(\.hasSynced) && connections.allSatisfy(\.hasSynced)
    }

    /// Waits until every cache has been filled once, at most `timeout`; returns whether they have.
    func waitForSync(timeout: Duration = .seconds(10)) async -> Bool {
        if hasSynced { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for informer in self.runs { await informer.waitForSync() }
                for informer in self.configs { await informer.waitForSync() }
                for informer in self.connections { await informer.waitForSync() }
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

    /// The cached configs of a namespace (nil: all).
    public func configs(namespace: String?) -> [PipelineConfig] {
        configs.flatMap { $0.cache.list(namespace: namespace) }
    }

    /// The cached repository connections of a namespace.
    public func connections(namespace: String?) -> [C8SAPI.RepositoryConnection] {
        connections.flatMap { $0.cache.list(namespace: namespace) }
    }

    /// The namespaces that hold cached runs or configs, sorted.
    public var namespaces: [String] {
        var names = Set(runs(namespace: nil).compactMap(\.metadata.namespace))
        names.formUnion(configs(namespace: nil).compactMap(\.metadata.namespace))
        return names.sorted()
    }

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
