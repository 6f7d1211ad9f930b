import C8SLogs
import Synchronization

/// A ``LogStore`` that passes everything to `base` and remembers, per log location prefix, the latest index and
/// completion marker it saw go by (put, or read when a shipper resumes). So the agent knows each container's
/// progress without asking the store, and counts what it ships.
final class ProgressTrackingStore: LogStore {
    let base: any LogStore
    let metrics: AgentMetrics
    private let progress = Mutex<[String: LogProgress]>([:])

    init(base: any LogStore, metrics: AgentMetrics) {
        self.base = base
        self.metrics = metrics
    }

    /// The progress of the log at `location` (zero when nothing was seen).
    func progress(of location: LogLocation) -> LogProgress {
        progress.withLock { $0[location.prefix] } ?? LogProgress()
    }

    /// Records progress learnt elsewhere (a completion marker read at start, an empty log written).
    func record(_ value: LogProgress, for location: LogLocation) {
        _ = update(prefix: location.prefix, to: value)
    }

    /// Forgets a location (its Pod is gone).
    func forget(_ location: LogLocation) {
        _ = progress.withLock { $0.removeValue(forKey: location.prefix) }
    }

    @discardableResult
    func put(_ key: String, _ data: [UInt8]) async throws -> PutOutcome {
        let outcome = try await base.put(key, data)
        if let (prefix, value) = Self.progress(key: key, data: data) {
            let previous = update(prefix: prefix, to: value)
            if value.lines > previous.lines { metrics.lines.increment(by: value.lines - previous.lines) }
            if value.bytes > previous.bytes { metrics.bytes.increment(by: value.bytes - previous.bytes) }
            if value.chunks > previous.chunks { metrics.chunks.increment(by: value.chunks - previous.chunks) }
        } else if key.hasSuffix(".zst") {
            metrics.storedBytes.increment(by: Int64(data.count))
        }
        return outcome
    }

    func get(_ key: String, range: Range<Int>?) async throws -> [UInt8]? {
        let data = try await base.get(key, range: range)
        if range == nil, let data, let (prefix, value) = Self.progress(key: key, data: data) {
            update(prefix: prefix, to: value)
        }
        return data
    }

    func list(prefix: String) async throws -> [StoredObject] { try await base.list(prefix: prefix) }

    func delete(_ key: String) async throws { try await base.delete(key) }

    /// Keeps the furthest progress; returns what was there before.
    @discardableResult
    private func update(prefix: String, to value: LogProgress) -> LogProgress {
        progress.withLock { all in
            let previous = all[prefix] ?? LogProgress()
            var merged = value.lines >= previous.lines ? value : previous
            merged.complete = value.complete || previous.complete
            all[prefix] = merged
            return previous
        }
    }

    /// The progress an index or completion marker object states, with its location prefix.
    static func progress(key: String, data: [UInt8]) -> (String, LogProgress)? {
        if key.hasSuffix("/index.json") {
            guard let index = try? ChunkIndex.decode(data, name: key) else { return nil }
            return (String(key.dropLast("index.json".count)), LogProgress(index: index))
        }
        if key.hasSuffix("/complete.json") {
            guard let completion = try? LogCompletion.decode(data, name: key) else { return nil }
            return (String(key.dropLast("complete.json".count)), LogProgress(completion: completion))
        }
        return nil
    }
}
