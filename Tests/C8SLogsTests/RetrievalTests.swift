import C8STestSupport
import Foundation
import Testing

@testable import C8SLogs

@Suite struct RetrievalTests {
    let config = ChunkerConfiguration(maxUncompressedBytes: 1024, maxAgeNanos: 1_000_000_000_000)

    /// A store with 1000 lines in many small chunks.
    func populated(complete: Bool = true, lines: Int = 1000) async throws -> (CountingLogStore, LogLocation, String) {
        let root = try ChunkTestSupport.temporaryDirectory()
        let store = CountingLogStore(DirectoryLogStore(root: root, syncWrites: false))
        let location = try LogLocation(namespace: "ci", run: "r", step: "s", container: "c")
        let writer = LogWriter(store: store, location: location, configuration: config)
        try await writer.append(contentsOf: ChunkTestSupport.records(lines))
        if complete { try await writer.finish() } else { try await writer.flush() }
        store.reset()
        return (store, location, root)
    }

    @Test func wholeLogInOrderWithFormats() async throws {
        let (store, location, root) = try await populated()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let reader = LogReader(store: store, location: location)
        var records: [NumberedLogRecord] = []
        for try await record in reader.records() { records.append(record) }
        #expect(records.map(\.record) == ChunkTestSupport.records(1000))
        #expect(records.map(\.lineNumber) == Array(0..<1000))
        var lines: [String] = []
        for try await line in reader.records().lines(LogLineFormat(timestamps: true, stream: true)) {
            lines.append(line)
        }
        #expect(lines[3] == "2026-11-24T23:50:35.003000000Z stderr line 3 ddd")
        var plain: [String] = []
        for try await line in reader.records(lines: 10..<12).lines() { plain.append(line) }
        #expect(plain == ["line 10 aaaaaaaaaa", "line 11 bbbbbbbbbbb ünïcödé ✓"])
    }

    @Test func tailReadsOnlyTheLastChunks() async throws {
        let (store, location, root) = try await populated()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let reader = LogReader(store: store, location: location)
        let index = try await reader.index()
        #expect(index.chunks.count > 20)
        store.reset()
        var tail: [NumberedLogRecord] = []
        for try await record in reader.tail(25) { tail.append(record) }
        #expect(tail.map(\.lineNumber) == Array(975..<1000))
        #expect(tail.map(\.record) == Array(ChunkTestSupport.records(1000)[975...]))
        // The index, then only the chunks holding lines 975..<1000.
        let needed = index.chunks.filter { $0.endLine > 975 }.map { location.chunkKey(sequence: $0.sequence) }
        #expect(store.getKeys == [location.indexKey] + needed)
        #expect(needed.count < 5)
        // More lines than stored gives everything.
        var all = 0
        for try await _ in reader.tail(5000) { all += 1 }
        #expect(all == 1000)
    }

    @Test func lineRangeReadsOnlyItsChunks() async throws {
        let (store, location, root) = try await populated()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let reader = LogReader(store: store, location: location)
        var range: [Int64] = []
        for try await record in reader.records(lines: 400..<420) { range.append(record.lineNumber) }
        #expect(range == Array(400..<420))
        #expect(store.getKeys.count <= 4)
        var empty = 0
        for try await _ in reader.records(lines: 2000..<2010) { empty += 1 }
        #expect(empty == 0)
    }

    /// A live source holding lines `available` (as the agent would), optionally ending after them.
    struct FakeLive: LiveLogSource {
        let all: [LogRecord]
        let available: Range<Int64>

        func records(from lineNumber: Int64) async throws -> AsyncThrowingStream<NumberedLogRecord, any Error> {
            let start = max(lineNumber, available.lowerBound)
            let slice = start < available.upperBound ? Array(start..<available.upperBound) : []
            let all = self.all
            return AsyncThrowingStream { continuation in
                for line in slice { continuation.yield(NumberedLogRecord(lineNumber: line, record: all[Int(line)])) }
                continuation.finish()
            }
        }
    }

    @Test func followSwitchesFromLiveToStoredWithoutGapOrDuplicate() async throws {
        // The store holds lines 0..<600 (not complete yet); the agent still holds lines 400..<1000 live and then its
        // container ends. Follow must give 0..<1000 exactly once, ending at the completion marker.
        let all = ChunkTestSupport.records(1000)
        let (store, location, root) = try await populated(complete: false, lines: 600)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var reader = LogReader(store: store, location: location)
        reader.pollInterval = .milliseconds(5)
        let live = FakeLive(all: all, available: 400..<1000)
        var lines: [Int64] = []
        var records: [LogRecord] = []
        for try await record in reader.follow(live: live, from: .line(0)) {
            lines.append(record.lineNumber)
            records.append(record.record)
            if record.lineNumber == 999 {
                // The agent ships the rest and completes the log once everything was read live.
                let writer = LogWriter(store: store, location: location, configuration: config)
                try await writer.append(contentsOf: all, firstLineNumber: 0)
                try await writer.finish()
            }
        }
        #expect(lines == Array(0..<1000))
        #expect(records == all)
    }

    @Test func followGoesBackToTheStoreWhenLiveLinesAreGone() async throws {
        // The live source only holds 800..<1000 (earlier lines were shipped and dropped); the store has all of it.
        let all = ChunkTestSupport.records(1000)
        let (store, location, root) = try await populated(complete: true, lines: 1000)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var reader = LogReader(store: store, location: location)
        reader.pollInterval = .milliseconds(5)
        var lines: [Int64] = []
        for try await record in reader.follow(live: FakeLive(all: all, available: 800..<1000), from: .tail(50)) {
            lines.append(record.lineNumber)
        }
        #expect(lines == Array(950..<1000))

        // Stored first, then live: the store has 0..<300, live has 250..<700, then the store catches up and completes.
        let (store2, location2, root2) = try await populated(complete: false, lines: 300)
        defer { try? FileManager.default.removeItem(atPath: root2) }
        var reader2 = LogReader(store: store2, location: location2)
        reader2.pollInterval = .milliseconds(5)
        var lines2: [Int64] = []
        var completed = false
        for try await record in reader2.follow(live: FakeLive(all: all, available: 250..<700)) {
            lines2.append(record.lineNumber)
            if record.lineNumber == 699 && !completed {
                completed = true
                let writer = LogWriter(store: store2, location: location2, configuration: config)
                try await writer.append(contentsOf: all, firstLineNumber: 0)
                try await writer.finish()
            }
        }
        #expect(lines2 == Array(0..<1000))
    }
}
