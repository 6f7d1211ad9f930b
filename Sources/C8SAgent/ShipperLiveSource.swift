import C8SLogs
import Foundation
import Synchronization

/// The live lines of a container the agent ships, numbered exactly as its ``LogShipper`` numbers them, even after
/// kubelet rotated (and compressed or removed) the container's first files.
///
/// Each ``records(from:)`` stream starts from the shipper's last committed checkpoint: every line before that
/// position is in the store, so those (from `lineNumber` on) are read from the store first, and a tailer follower
/// resumed from a copy of the checkpoint delivers the rest with the checkpoint's line numbering. Without a
/// checkpoint yet, the follower reads the directory from its start, as the shipper did. Every record is masked.
/// Streams end once ``finish()`` was called (the container is done) and the files were read to their end. Once the
/// log is complete (``markComplete(lines:)``), streams are read from the store alone (the checkpoint goes away).
final class ShipperLiveSource: LiveLogSource {
    private struct State {
        var followers: [LogFollower] = []
        var finished = false
        /// The log's line count once it is complete in the store.
        var completeLines: Int64?
    }

    let tailer: LogTailer
    let directory: String
    let checkpointPath: String
    let store: any LogStore
    let location: LogLocation
    let masker: SecretMasker
    private let state = Mutex(State())

    init(
        tailer: LogTailer, directory: String, checkpointPath: String, store: any LogStore, location: LogLocation,
        masker: SecretMasker
    ) {
        self.tailer = tailer
        self.directory = directory
        self.checkpointPath = checkpointPath
        self.store = store
        self.location = location
        self.masker = masker
    }

    /// The container is done: every stream reads the files to their end and then ends.
    func finish() {
        let followers = state.withLock { s in
            s.finished = true
            return s.followers
        }
        for follower in followers { follower.finish() }
    }

    /// The whole log is in the store (`lines` lines): later streams read only the store.
    func markComplete(lines: Int64) {
        let followers = state.withLock { s in
            s.finished = true
            s.completeLines = lines
            return s.followers
        }
        for follower in followers { follower.finish() }
    }

    func records(from lineNumber: Int64) async throws -> AsyncThrowingStream<NumberedLogRecord, any Error> {
        if let lines = state.withLock({ $0.completeLines }) {
            let stored = LogReader(store: store, location: location).records(lines: min(lineNumber, lines)..<lines)
                .makeAsyncIterator()
            let cursor = ShipperLiveCursor(
                stored: stored, follower: nil, firstLive: lines, from: lineNumber, masker: masker)
            return AsyncThrowingStream(unfolding: { try await cursor.next() })
        }
        let follower: LogFollower
        do {
            follower = try follow()
        } catch {
            // The directory is gone: everything there was is in the store (or will be).
            return AsyncThrowingStream { $0.finish() }
        }
        let finished = state.withLock { s in
            s.followers.append(follower)
            return s.finished
        }
        if finished { follower.finish() }
        let firstLive = ShipperCommitQueue.nextLine(resumedFrom: follower.resumedFrom)
        var stored: StoredLogRecords.AsyncIterator?
        if lineNumber < firstLive {
            stored = LogReader(store: store, location: location).records(lines: lineNumber..<firstLive)
                .makeAsyncIterator()
        }
        let cursor = ShipperLiveCursor(
            stored: stored, follower: follower, firstLive: firstLive, from: lineNumber, masker: masker)
        return AsyncThrowingStream(unfolding: { try await cursor.next() })
    }

    /// A follower resumed from a copy of the shipper's checkpoint (the copy is removed at once: the follower
    /// never commits).
    private func follow() throws -> LogFollower {
        guard let position = try? TailCheckpoint(path: checkpointPath).load() else {
            return try tailer.follow(directory: directory)
        }
        let copy = "\(checkpointPath).live-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try TailCheckpoint(path: copy).store(position)
        return try tailer.follow(directory: directory, checkpointPath: copy)
    }
}

/// The iteration state of one live stream (used by one consumer at a time): stored lines, then live ones (none
/// without a follower).
private final class ShipperLiveCursor: @unchecked Sendable {
    var stored: StoredLogRecords.AsyncIterator?
    let follower: LogFollower?
    let from: Int64
    var masker: LogLineMasker
    var records: [LogRecord] = []
    var offset = 0
    var nextLine: Int64

    init(
        stored: StoredLogRecords.AsyncIterator?, follower: LogFollower?, firstLive: Int64, from: Int64,
        masker: SecretMasker
    ) {
        self.stored = stored
        self.follower = follower
        self.nextLine = firstLive
        self.from = from
        self.masker = LogLineMasker(masker: masker)
    }

    func next() async throws -> NumberedLogRecord? {
        if stored != nil {
            if let record = try await stored?.next() { return record }
            stored = nil
        }
        while true {
            if offset < records.count {
                let record = masker.mask(records[offset])
                offset += 1
                let line = nextLine
                nextLine += 1
                if line < from { continue }
                return NumberedLogRecord(lineNumber: line, record: record)
            }
            guard let batch = try await follower?.next() else { return nil }
            records = batch.records
            offset = 0
        }
    }
}
