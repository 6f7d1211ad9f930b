import C8SLogs
import Synchronization

/// A ``LogStore`` that passes every call to another store and records the keys it GETs and PUTs, in order, so tests
/// and benchmarks can check which objects a read fetched (e.g. that a tail reads only the last chunks).
public final class CountingLogStore: LogStore {
    public let base: any LogStore
    private let keys = Mutex<(gets: [String], puts: [String])>(([], []))

    public init(_ base: any LogStore) {
        self.base = base
    }

    /// The keys read so far, in order.
    public var getKeys: [String] { keys.withLock { $0.gets } }
    /// The keys written so far, in order.
    public var putKeys: [String] { keys.withLock { $0.puts } }
    /// How many of the GETs so far were of chunk objects (`chunk-*.zst`).
    public var chunkGets: Int { getKeys.filter { $0.hasSuffix(".zst") }.count }

    /// Forgets what was recorded.
    public func reset() { keys.withLock { $0 = ([], []) } }

    @discardableResult
    public func put(_ key: String, _ data: [UInt8]) async throws -> PutOutcome {
        keys.withLock { $0.puts.append(key) }
        return try await base.put(key, data)
    }

    public func get(_ key: String, range: Range<Int>?) async throws -> [UInt8]? {
        keys.withLock { $0.gets.append(key) }
        return try await base.get(key, range: range)
    }

    public func list(prefix: String) async throws -> [StoredObject] {
        try await base.list(prefix: prefix)
    }

    public func delete(_ key: String) async throws {
        try await base.delete(key)
    }
}
