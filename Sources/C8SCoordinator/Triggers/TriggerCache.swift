import C8SAPI
import C8SCore
import C8SKube
import Logging
import ServiceLifecycle
import Synchronization

/// What the webhook receiver reads, kept by every coordinator replica instead of asked of the API server per
/// delivery: RepositoryConnections from an informer, indexed by canonical repository key; PipelineConfigs from an
/// informer; and the connections' Secret values, read with a GET and kept for ``secretLifetime``.
///
/// A delivery therefore costs no API request before its signature is checked: an unknown repository is a cache miss,
/// and a forged delivery for a known one reads its webhook secret from the cache (a GET at most once per Secret per
/// ``secretLifetime``). Secrets are not watched: a watch would need `list` and `watch` on every Secret of the
/// namespace, where the coordinator's Role grants only `get`. A rotated webhook secret therefore takes effect within
/// ``secretLifetime`` (10 s by default): until then deliveries signed with the new value are refused and the old
/// value is still accepted (docs/coordinator.md).
///
/// A connection or config created a moment ago is found once the informer has seen it (normally within
/// milliseconds); until the first list the lookups wait for it, at most ``syncTimeout``, and then fail (503).
public final class TriggerCache: Service, RepositoryConnectionLookup, PipelineConfigLookup, Sendable {
    /// The cache index of RepositoryConnections by the canonical key of their repository.
    static let repositoryIndex = "repository"

    let connections: [Informer<C8SAPI.RepositoryConnection>]
    let configs: [Informer<PipelineConfig>]
    let resolver: KubeRepositoryConnections
    /// How long a Secret value read is used before it is read again.
    public let secretLifetime: Duration
    /// How long a lookup waits for the first list.
    public let syncTimeout: Duration
    private let secretValues = Mutex<[SecretKey: CachedSecret]>([:])

    struct SecretKey: Hashable {
        var namespace: String
        var name: String
    }

    struct CachedSecret {
        /// The Secret, or nil when it did not exist.
        var secret: Secret?
        var readAt: ContinuousClock.Instant
    }

    /// - Parameter namespaces: the namespaces to watch; empty: all.
    public init(
        client: KubeClient, namespaces: [String], secretLifetime: Duration = .seconds(10),
        syncTimeout: Duration = .seconds(10), logger: Logger
    ) {
        let scopes: [String?] = namespaces.isEmpty ? [nil] : namespaces
        let index = Indexer<C8SAPI.RepositoryConnection> { connection in
            KubeRepositoryConnections.key(of: connection.spec).map { [$0.rawValue] } ?? []
        }
        connections = scopes.map {
            Informer(
                client: client, configuration: .init(namespace: $0), indexers: [Self.repositoryIndex: index],
                logger: logger)
        }
        configs = scopes.map { Informer(client: client, configuration: .init(namespace: $0), logger: logger) }
        resolver = KubeRepositoryConnections(client: client, logger: logger)
        self.secretLifetime = secretLifetime
        self.syncTimeout = syncTimeout
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                for informer in self.connections { group.addTask { try await informer.run() } }
                for informer in self.configs { group.addTask { try await informer.run() } }
            }
        }
    }

    /// Whether every informer has listed once.
    public var hasSynced: Bool { connections.allSatisfy(\.hasSynced) && configs.allSatisfy(\.hasSynced) }

    /// Waits for the first list of every informer, at most ``syncTimeout``.
    func waitForSync() async throws {
        if hasSynced { return }
        let synced = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for informer in self.connections { await informer.waitForSync() }
                for informer in self.configs { await informer.waitForSync() }
                return self.hasSynced
            }
            group.addTask {
                try? await Task.sleep(for: self.syncTimeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !synced { throw TriggerLookupError("the repository connection cache has not synced yet") }
    }

    public func connection(for keys: [RepositoryKey]) async throws -> ConnectedRepository? {
        try await waitForSync()
        for key in keys {
            // Deterministic choice when two connections name the same repository.
            let matches = connections.flatMap { $0.cache.byIndex(Self.repositoryIndex, key.rawValue) }
                .sorted {
                    ($0.metadata.namespace ?? "", $0.metadata.name ?? "")
                        < ($1.metadata.namespace ?? "", $1.metadata.name ?? "")
                }
            if let match = matches.first {
                return try await resolver.resolve(match) { try await self.cachedSecret(name: $0, namespace: $1) }
            }
        }
        return nil
    }

    public func pipeline(for connection: ConnectedRepository) async throws -> PipelineSpec? {
        try await waitForSync()
        return configs.lazy.compactMap {
            $0.cache.get(name: connection.pipelineConfigRef, namespace: connection.namespace)
        }.first?.spec
    }

    /// A Secret as read at most ``secretLifetime`` ago (nil: it did not exist then).
    func cachedSecret(name: String, namespace: String) async throws -> Secret? {
        let key = SecretKey(namespace: namespace, name: name)
        let now = ContinuousClock.now
        if let cached = secretValues.withLock({ $0[key] }), now - cached.readAt < secretLifetime {
            return cached.secret
        }
        let secret = try await resolver.client.getIfPresent(Secret.self, name: name, namespace: namespace)
        secretValues.withLock { values in
            // Secrets no longer referenced drop out as they expire; the map holds at most one entry per Secret that
            // a connection named within the last lifetime.
            values = values.filter { now - $0.value.readAt < secretLifetime }
            values[key] = CachedSecret(secret: secret, readAt: now)
        }
        return secret
    }
}
