import C8STestSupport
import Foundation
import Testing

@testable import C8SLogs

/// Helpers shared by the chunk, store and retrieval tests.
enum ChunkTestSupport {
    /// A fresh temporary directory.
    static func temporaryDirectory(_ name: String = "c8s-logs-test") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `count` records 1 ms apart starting at a fixed time; alternating streams; deterministic varied text.
    static func records(_ count: Int, start: Int = 0, baseNanos: Int64 = 1_795_564_235_000_000_000) -> [LogRecord] {
        var records: [LogRecord] = []
        let letters = Array("abcdefghij")
        for i in start..<(start + count) {
            var text = "line \(i) " + String(repeating: letters[i % 10], count: i % 37)
            if i % 11 == 0 { text += " ünïcödé ✓" }
            let stream: LogRecord.Stream = i % 7 == 3 ? .stderr : .stdout
            records.append(LogRecord(timestampNanos: baseNanos + Int64(i) * 1_000_000, stream: stream, text: text))
        }
        return records
    }

    /// Runs a command, returning its standard output and exit status.
    static func run(_ executable: String, _ arguments: [String], input: Data? = nil) async throws -> (Data, Int32) {
        let result = try await ChildProcess.run(executable, arguments, standardInput: input)
        let status: Int32
        switch result.termination {
        case .exited(let code): status = code
        case .signalled(let signal): status = signal  // what Foundation's `terminationStatus` reports
        }
        return (result.standardOutput, status)
    }
}

/// A store wrapper that counts requests (to prove tail reads only the last chunks).
final class CountingStore: LogStore, @unchecked Sendable {
    let base: any LogStore
    private let lock = NSLock()
    private var gets: [String] = []
    private var puts: [String] = []

    init(_ base: any LogStore) { self.base = base }

    var getKeys: [String] { lock.withLock { gets } }
    var putKeys: [String] { lock.withLock { puts } }
    func reset() { lock.withLock { gets.removeAll(); puts.removeAll() } }

    func put(_ key: String, _ data: [UInt8]) async throws -> PutOutcome {
        lock.withLock { puts.append(key) }
        return try await base.put(key, data)
    }

    func get(_ key: String, range: Range<Int>?) async throws -> [UInt8]? {
        lock.withLock { gets.append(key) }
        return try await base.get(key, range: range)
    }

    func list(prefix: String) async throws -> [StoredObject] { try await base.list(prefix: prefix) }
    func delete(_ key: String) async throws { try await base.delete(key) }
}
