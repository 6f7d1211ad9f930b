import C8STestSupport
import Foundation
import Testing

@testable import C8SLogs

@Suite struct DirectoryLogStoreTests {
    @Test func putGetRangeListDelete() async throws {
        let root = try ChunkTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = DirectoryLogStore(root: root + "/logs")
        #expect(try await store.get("a/b/c.txt") == nil)
        #expect(try await store.put("a/b/c.txt", Array("hello world".utf8)) == .stored)
        try await store.put("a/b/d.txt", [1, 2, 3])
        try await store.put("a/bz/e.txt", [4])
        try await store.put("x.txt", [])
        #expect(try await store.get("a/b/c.txt") == Array("hello world".utf8))
        #expect(try await store.get("a/b/c.txt", range: 6..<11) == Array("world".utf8))
        #expect(try await store.get("a/b/c.txt", range: 6..<100) == Array("world".utf8))
        #expect(try await store.get("a/b/c.txt", range: 50..<100) == [])
        #expect(try await store.list(prefix: "a/b/").map(\.key) == ["a/b/c.txt", "a/b/d.txt"])
        #expect(try await store.list(prefix: "a/b").map(\.key) == ["a/b/c.txt", "a/b/d.txt", "a/bz/e.txt"])
        #expect(try await store.list(prefix: "").map(\.key) == ["a/b/c.txt", "a/b/d.txt", "a/bz/e.txt", "x.txt"])
        #expect(try await store.list(prefix: "a/b/").map(\.size) == [11, 3])
        // Overwrite is atomic and leaves no temporary files behind.
        try await store.put("a/b/c.txt", Array("bye".utf8))
        #expect(try await store.get("a/b/c.txt") == Array("bye".utf8))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root + "/logs/a/b")
        #expect(leftovers.sorted() == ["c.txt", "d.txt"])
        try await store.delete("a/b/c.txt")
        try await store.delete("a/b/c.txt")  // deleting a missing object is fine
        #expect(try await store.get("a/b/c.txt") == nil)
        await #expect(throws: LogStoreError.self) { try await store.put("../escape", [1]) }
        await #expect(throws: LogStoreError.self) { try await store.get("/abs", range: nil) }
    }
}

@Suite struct LogWriterTests {
    let config = ChunkerConfiguration(maxUncompressedBytes: 2048, maxAgeNanos: 1_000_000_000_000)

    func location() throws -> LogLocation {
        try LogLocation(namespace: "ci", run: "run-1", step: "test", container: "step")
    }

    @Test func shipsChunksIndexAndCompletionMarkerLast() async throws {
        let root = try ChunkTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = CountingLogStore(DirectoryLogStore(root: root))
        let location = try location()
        let writer = LogWriter(store: store, location: location, configuration: config)
        #expect(try await writer.resume() == 0)
        let records = ChunkTestSupport.records(700)
        try await writer.append(contentsOf: records)
        let completion = try await writer.finish()
        #expect(completion.lines == 700)
        let puts = store.putKeys
        #expect(puts.last == location.completionKey)
        #expect(puts.dropLast().last == location.indexKey)
        // Each chunk is followed by the index that lists it.
        for (i, key) in puts.enumerated() where key.hasSuffix(".zst") { #expect(puts[i + 1] == location.indexKey) }
        let index = try await LogReader(store: store, location: location).index()
        #expect(index.lineCount == 700)
        #expect(Int64(index.chunks.count) == completion.chunks)
        let stored = try await store.list(prefix: location.prefix).map(\.key)
        #expect(stored.filter { $0.hasSuffix(".zst") }.count == index.chunks.count)
        await #expect(throws: LogStoreError.self) { try await writer.append(contentsOf: records) }
        // After a restart, replayed lines of a complete log are ignored, new ones refused, and finish is idempotent.
        let again = LogWriter(store: store, location: location, configuration: config)
        store.reset()
        try await again.append(contentsOf: Array(records[600...]), firstLineNumber: 600)
        #expect(try await again.append(records[699], lineNumber: 699) == false)
        await #expect(throws: LogStoreError.self) { try await again.append(records[0], lineNumber: 700) }
        #expect(try await again.finish() == completion)
        #expect(store.putKeys.isEmpty)
    }

    /// Appends and age-bound flushes arrive concurrently (the shipper's idle timer beside its reader) while every
    /// put suspends: chunks must still be stored and indexed in sequence order, with every line once.
    @Test func concurrentAppendsAndFlushesKeepChunksInOrder() async throws {
        let root = try ChunkTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = YieldingStore(DirectoryLogStore(root: root))
        let location = try location()
        let writer = LogWriter(store: store, location: location, configuration: config)
        let records = ChunkTestSupport.records(3000)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for start in stride(from: 0, to: records.count, by: 50) {
                    try await writer.append(
                        contentsOf: Array(records[start..<(start + 50)]), firstLineNumber: Int64(start))
                }
            }
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<200 { try await writer.flushIfOlder(now: 1_900_000_000_000_000_000) }
                }
            }
            try await group.waitForAll()
        }
        let completion = try await writer.finish()
        #expect(completion.lines == 3000)
        let reader = LogReader(store: store, location: location)
        let index = try await reader.index()
        #expect(index.chunks.map(\.sequence) == Array(0..<Int64(index.chunks.count)))
        var texts: [String] = []
        for try await record in reader.records() { texts.append(record.record.text) }
        #expect(texts == records.map(\.text))
    }

    @Test func restartMidStreamGivesIdenticalChunksAndNoDuplicateLines() async throws {
        let records = ChunkTestSupport.records(1500)
        let location = try location()
        // Reference: one uninterrupted writer.
        let referenceRoot = try ChunkTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: referenceRoot) }
        let reference = DirectoryLogStore(root: referenceRoot)
        let one = LogWriter(store: reference, location: location, configuration: config)
        try await one.append(contentsOf: records, firstLineNumber: 0)
        try await one.finish()

        // Interrupted: the first writer dies with records pending; a second resumes, and the tailer replays from an
        // older checkpoint (line 300), so lines 300..<stored are offered again.
        let root = try ChunkTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = DirectoryLogStore(root: root)
        let first = LogWriter(store: store, location: location, configuration: config)
        try await first.append(contentsOf: Array(records[0..<900]), firstLineNumber: 0)
        let stored = await first.storedIndex.lineCount
        #expect(stored > 300 && stored < 900)  // some records were pending, never stored

        let second = LogWriter(store: store, location: location, configuration: config)
        #expect(try await second.resume() == stored)
        try await second.append(contentsOf: Array(records[300...]), firstLineNumber: 300)
        try await second.finish()

        let a = try await reference.list(prefix: "")
        let b = try await store.list(prefix: "")
        #expect(a == b)
        for object in a {
            let left = try await reference.get(object.key)
            let right = try await store.get(object.key)
            #expect(left == right, "\(object.key) differs")
        }
        var lines: [Int64] = []
        for try await record in LogReader(store: store, location: location).records() {
            lines.append(record.lineNumber)
        }
        #expect(lines == Array(0..<1500))
        // A gap is refused: it would lose lines.
        let otherRoot = try ChunkTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: otherRoot) }
        let third = LogWriter(store: DirectoryLogStore(root: otherRoot), location: location)
        await #expect(throws: LogStoreError.self) { try await third.append(records[5], lineNumber: 5) }
    }

    @Test func chunkStoredBeforeItsIndexUpdateIsAdoptedUnchanged() async throws {
        let root = try ChunkTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = DirectoryLogStore(root: root)
        let location = try location()
        let records = ChunkTestSupport.records(400)
        var chunker = Chunker(configuration: config)
        let chunks = try chunker.append(contentsOf: records)
        #expect(chunks.count >= 3)
        // Chunks 0 and 1 are indexed; chunk 2 was stored but the crash came before the index update.
        var index = ChunkIndex()
        try index.add(chunks[0].entry)
        try index.add(chunks[1].entry)
        for chunk in chunks[0...2] {
            try await store.put(location.chunkKey(sequence: chunk.entry.sequence), chunk.data)
        }
        try await store.put(location.indexKey, index.encoded())

        let writer = LogWriter(store: store, location: location, configuration: config)
        #expect(try await writer.resume() == chunks[2].entry.endLine)
        #expect(await writer.storedIndex.chunks == chunks[0...2].map(\.entry))
        try await writer.append(contentsOf: records, firstLineNumber: 0)
        try await writer.finish()
        var lines: [Int64] = []
        for try await record in LogReader(store: store, location: location).records() {
            lines.append(record.lineNumber)
        }
        #expect(lines == Array(0..<400))
    }
}

/// A store whose every put and get first yields, so concurrent callers interleave at each suspension point.
final class YieldingStore: LogStore, Sendable {
    let base: any LogStore
    init(_ base: any LogStore) { self.base = base }

    func put(_ key: String, _ data: [UInt8]) async throws -> PutOutcome {
        await Task.yield()
        return try await base.put(key, data)
    }

    func get(_ key: String, range: Range<Int>?) async throws -> [UInt8]? {
        await Task.yield()
        return try await base.get(key, range: range)
    }

    func list(prefix: String) async throws -> [StoredObject] { try await base.list(prefix: prefix) }
    func delete(_ key: String) async throws { try await base.delete(key) }
}
