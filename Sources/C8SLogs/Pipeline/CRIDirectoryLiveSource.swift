import Synchronization

/// Live lines of a container read straight from its CRI log directory, numbered from the directory's first record
/// as ``LogShipper`` numbers them (local mode: `c8s logs -f` reads the CRI files of a step another process runs).
///
/// Each ``records(from:)`` call follows the directory with its own tailer follower. The streams end once
/// ``finish()`` was called (the container is done) and the files were read to their end; a directory that does not
/// exist (yet, or any more) gives an empty stream, so ``LogReader/follow(live:from:)`` falls back to the store.
public final class CRIDirectoryLiveSource: LiveLogSource {
    private struct State {
        var followers: [LogFollower] = []
        var finished = false
    }

    /// The followed container log directory.
    public let directory: String
    let tailer: LogTailer
    let masker: SecretMasker?
    private let state = Mutex(State())

    /// A source reading `directory` with `tailer`; `masker` masks each live record (as the shipper masks it).
    public init(tailer: LogTailer, directory: String, masker: SecretMasker? = nil) {
        self.tailer = tailer
        self.directory = directory
        self.masker = masker
    }

    /// The container is done: every stream reads the files to their end and then ends.
    public func finish() {
        let followers = state.withLock { s in
            s.finished = true
            return s.followers
        }
        for follower in followers { follower.finish() }
    }

    public func records(from lineNumber: Int64) async throws -> AsyncThrowingStream<NumberedLogRecord, any Error> {
        let follower: LogFollower
        do {
            follower = try tailer.follow(directory: directory)
        } catch {
            return AsyncThrowingStream { $0.finish() }
        }
        let finished = state.withLock { s in
            s.followers.append(follower)
            return s.finished
        }
        if finished { follower.finish() }
        let cursor = LiveCursor(follower: follower, from: lineNumber, masker: masker)
        return AsyncThrowingStream(unfolding: { try await cursor.next() })
    }
}

/// The iteration state of one live stream (used by one consumer at a time).
private final class LiveCursor: @unchecked Sendable {
    let follower: LogFollower
    let from: Int64
    var masker: LogLineMasker?
    var records: [LogRecord] = []
    var offset = 0
    var line: Int64 = 0

    init(follower: LogFollower, from: Int64, masker: SecretMasker?) {
        self.follower = follower
        self.from = from
        self.masker = masker.map(LogLineMasker.init(masker:))
    }

    func next() async throws -> NumberedLogRecord? {
        while true {
            if offset < records.count {
                var record = records[offset]
                offset += 1
                line += 1
                if masker != nil { record = masker!.mask(record) }
                if line - 1 < from { continue }
                return NumberedLogRecord(lineNumber: line - 1, record: record)
            }
            guard let batch = try await follower.next() else { return nil }
            records = batch.records
            offset = 0
        }
    }
}
