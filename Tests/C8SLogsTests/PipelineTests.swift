import Foundation
import Logging
import Synchronization
import Testing

@testable import C8SLogs

/// A store that fails every put after the first `allowedPuts` (a crash of the shipper mid-way).
final class FailingStore: LogStore, Sendable {
    let base: any LogStore
    let allowedPuts: Int
    private let puts = Mutex(0)

    init(_ base: any LogStore, allowedPuts: Int) {
        self.base = base
        self.allowedPuts = allowedPuts
    }

    func put(_ key: String, _ data: [UInt8]) async throws -> PutOutcome {
        let count = puts.withLock { n in
            n += 1
            return n
        }
        guard count <= allowedPuts else {
            throw LogStoreError(.io, request: "PUT \(key)", message: "simulated crash")
        }
        return try await base.put(key, data)
    }
    func get(_ key: String, range: Range<Int>?) async throws -> [UInt8]? { try await base.get(key, range: range) }
    func list(prefix: String) async throws -> [StoredObject] { try await base.list(prefix: prefix) }
    func delete(_ key: String) async throws { try await base.delete(key) }
}

/// A store that calls `onFirstChunk` when the first chunk is put (to stop a shipper in the middle of a log).
final class HookStore: LogStore, Sendable {
    let base: any LogStore
    let onFirstChunk = Mutex<(@Sendable () -> Void)?>(nil)

    init(_ base: any LogStore) { self.base = base }

    func put(_ key: String, _ data: [UInt8]) async throws -> PutOutcome {
        let outcome = try await base.put(key, data)
        if key.hasSuffix(".zst") {
            onFirstChunk.withLock { hook in
                defer { hook = nil }
                return hook
            }?()
        }
        return outcome
    }
    func get(_ key: String, range: Range<Int>?) async throws -> [UInt8]? { try await base.get(key, range: range) }
    func list(prefix: String) async throws -> [StoredObject] { try await base.list(prefix: prefix) }
    func delete(_ key: String) async throws { try await base.delete(key) }
}

@Suite struct PipelineTests {
    static let secret = "pipeline-Secret-Value-42"
    let logger = Logger(label: "test.pipeline")

    /// Writes `records` as the CRI file `0.log` of `directory` (long lines become `P` fragments).
    static func writeCRI(_ records: [LogRecord], to directory: String, maxFragmentBytes: Int = 64) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let writer = CRIWriter(maxFragmentBytes: maxFragmentBytes)
        var bytes: [UInt8] = []
        for record in records { writer.append(record, to: &bytes) }
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/0.log"))
    }

    static func inputRecords(_ count: Int) -> [LogRecord] {
        ChunkTestSupport.records(count).enumerated().map { index, record in
            var record = record
            if index % 9 == 4 { record.text += " token=\(secret) end" }
            return record
        }
    }

    func masker() -> SecretMasker {
        SecretMasker(secrets: [.init(name: "test/token", value: Self.secret)])
    }

    @Test func shipsADirectoryMaskedAndCompletesIt() async throws {
        let root = try ChunkTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = Self.inputRecords(300)
        try Self.writeCRI(input, to: root + "/pod/c")
        let store = DirectoryLogStore(root: root + "/store")
        let location = try LogLocation(namespace: "ns", run: "r1", step: "build", container: "c")
        let shipper = LogShipper(
            directory: root + "/pod/c", location: location, store: store, checkpointPath: root + "/checkpoint",
            masker: masker(), configuration: .init(chunker: .init(maxUncompressedBytes: 4096, maxAgeNanos: 1 << 60)),
            logger: logger)
        shipper.finish()
        let completion = try await LogTailer.withLogTailer(logger: logger) { try await shipper.run(tailer: $0) }
        #expect(completion?.lines == 300)
        let reader = LogReader(store: store, location: location)
        var stored: [LogRecord] = []
        for try await record in reader.records() { stored.append(record.record) }
        #expect(stored == input.map { masker().mask($0) })
        #expect(!stored.contains { $0.text.contains(Self.secret) })
        #expect(try await reader.index().chunks.count > 3)
        // The checkpoint points after the last record, with the next line number.
        let position = try #require(try TailCheckpoint(path: root + "/checkpoint").load())
        #expect(ShipperCommitQueue.nextLine(resumedFrom: position) == 300)
        // Chunks are plain zstd frames of CRI lines.
        let (plain, status) = try await ChunkTestSupport.run(
            "/usr/bin/env", ["zstd", "-d", "-c", root + "/store/" + location.chunkKey(sequence: 0)])
        #expect(status == 0)
        let first = try #require(String(decoding: plain, as: UTF8.self).split(separator: "\n").first)
        #expect(first.hasSuffix(" stdout F " + input[0].text))
        // A shipper started again on a complete log returns its marker at once.
        let again = LogShipper(
            directory: root + "/pod/c", location: location, store: store, checkpointPath: root + "/checkpoint",
            masker: masker(), logger: logger)
        let repeated = try await LogTailer.withLogTailer(logger: logger) { try await again.run(tailer: $0) }
        #expect(repeated == completion)
    }

    @Test(arguments: [3, 8, 13])
    func aCrashedShipperRestartsWithoutLossOrDuplicates(allowedPuts: Int) async throws {
        let root = try ChunkTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = Self.inputRecords(400)
        try Self.writeCRI(input, to: root + "/pod/c")
        let base = DirectoryLogStore(root: root + "/store")
        let location = try LogLocation(namespace: "ns", run: "r1", step: "build", container: "c")
        let configuration = LogShipper.Configuration(chunker: .init(maxUncompressedBytes: 3000, maxAgeNanos: 1 << 60))
        let checkpoint = root + "/checkpoint"
        // The first shipper "crashes": its store fails after a few puts (chunk stored, index not, for odd counts).
        let crashing = LogShipper(
            directory: root + "/pod/c", location: location, store: FailingStore(base, allowedPuts: allowedPuts),
            checkpointPath: checkpoint, masker: masker(), configuration: configuration, logger: logger)
        crashing.finish()
        await #expect(throws: LogStoreError.self) {
            try await LogTailer.withLogTailer(logger: logger) { try await crashing.run(tailer: $0) }
        }
        // The checkpoint never runs ahead of the stored index.
        let storedLines = try await LogReader(store: base, location: location).index().lineCount
        let committed = try TailCheckpoint(path: checkpoint).load()
        #expect(ShipperCommitQueue.nextLine(resumedFrom: committed) <= storedLines)
        #expect(try await base.get(location.completionKey) == nil)

        let restarted = LogShipper(
            directory: root + "/pod/c", location: location, store: base, checkpointPath: checkpoint,
            masker: masker(), configuration: configuration, logger: logger)
        restarted.finish()
        let completion = try await LogTailer.withLogTailer(logger: logger) { try await restarted.run(tailer: $0) }
        #expect(completion?.lines == 400)
        var stored: [LogRecord] = []
        for try await record in LogReader(store: base, location: location).records() { stored.append(record.record) }
        #expect(stored == input.map { masker().mask($0) })
    }

    @Test func aStoppedShipperStoresWhatItReadAndTheNextOneContinues() async throws {
        let root = try ChunkTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let input = Self.inputRecords(2000)
        try Self.writeCRI(input, to: root + "/pod/c")
        let base = DirectoryLogStore(root: root + "/store")
        let hooked = HookStore(base)
        let location = try LogLocation(namespace: "ns", run: "r1", step: "build", container: "c")
        let configuration = LogShipper.Configuration(chunker: .init(maxUncompressedBytes: 2000, maxAgeNanos: 1 << 60))
        let checkpoint = root + "/checkpoint"
        let first = LogShipper(
            directory: root + "/pod/c", location: location, store: hooked, checkpointPath: checkpoint,
            masker: masker(), configuration: configuration, logger: logger)
        hooked.onFirstChunk.withLock { $0 = { first.stop() } }
        let stopped = try await LogTailer.withLogTailer(logger: logger) { try await first.run(tailer: $0) }
        #expect(stopped == nil)
        #expect(try await base.get(location.completionKey) == nil)
        // Everything read before the stop is stored and committed: the checkpoint is exactly at the stored end.
        let storedLines = try await LogReader(store: base, location: location).index().lineCount
        #expect(storedLines > 0)
        #expect(ShipperCommitQueue.nextLine(resumedFrom: try TailCheckpoint(path: checkpoint).load()) == storedLines)

        let second = LogShipper(
            directory: root + "/pod/c", location: location, store: base, checkpointPath: checkpoint,
            masker: masker(), configuration: configuration, logger: logger)
        second.finish()
        let completion = try await LogTailer.withLogTailer(logger: logger) { try await second.run(tailer: $0) }
        #expect(completion?.lines == 2000)
        var stored: [LogRecord] = []
        for try await record in LogReader(store: base, location: location).records() { stored.append(record.record) }
        #expect(stored == input.map { masker().mask($0) })
    }

    @Test func commitQueueReleasesOnlyStoredPositions() {
        var queue = ShipperCommitQueue()
        queue.enqueue(TailPosition(sequence: 1), endLine: 10)
        queue.enqueue(TailPosition(sequence: 2), endLine: 10)
        queue.enqueue(TailPosition(sequence: 3), endLine: 25)
        #expect(queue.takeCommittable(storedLines: 9) == nil)
        let position = queue.takeCommittable(storedLines: 24)
        #expect(position?.sequence == 2)
        #expect(ShipperCommitQueue.nextLine(resumedFrom: position) == 10)
        #expect(queue.count == 1)
        #expect(queue.takeCommittable(storedLines: 30)?.sequence == 3)
        #expect(ShipperCommitQueue.nextLine(resumedFrom: nil) == 0)
    }

    /// A follower sees stored and live lines once each, in order, while the file grows, and ends with the log.
    @Test func followMergesLiveLinesAndStoredChunks() async throws {
        let root = try ChunkTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = root + "/pod/c"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/0.log"
        FileManager.default.createFile(atPath: path, contents: nil)
        let input = Self.inputRecords(120)
        let store = DirectoryLogStore(root: root + "/store")
        let location = try LogLocation(namespace: "ns", run: "r1", step: "build", container: "c")
        let shipper = LogShipper(
            directory: directory, location: location, store: store, checkpointPath: nil, masker: masker(),
            configuration: .init(chunker: .init(maxUncompressedBytes: 1500, maxAgeNanos: 1 << 60)), logger: logger)
        let reader = LogReader(store: store, location: location, pollInterval: .milliseconds(50))
        let received = try await LogTailer.withLogTailer(logger: logger) { tailer in
            let live = CRIDirectoryLiveSource(tailer: tailer, directory: directory, masker: masker())
            return try await withThrowingTaskGroup(of: [LogRecord]?.self) { group in
                group.addTask {
                    try await shipper.run(tailer: tailer)
                    live.finish()
                    return nil
                }
                group.addTask {
                    var lines: [LogRecord] = []
                    for try await record in reader.follow(live: live) { lines.append(record.record) }
                    return lines
                }
                group.addTask {
                    let handle = try #require(FileHandle(forWritingAtPath: path))
                    let writer = CRIWriter(maxFragmentBytes: 64)
                    for (index, record) in input.enumerated() {
                        handle.write(Data(writer.encode(record)))
                        if index % 10 == 9 { try await Task.sleep(for: .milliseconds(20)) }
                    }
                    try handle.close()
                    shipper.finish()
                    return nil
                }
                var result: [LogRecord] = []
                for try await lines in group { if let lines { result = lines } }
                return result
            }
        }
        #expect(received == input.map { masker().mask($0) })
    }
}
