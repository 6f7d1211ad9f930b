import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Ships one container's CRI log directory to a ``LogStore``: tailer → CRI parser → masker → chunker → store.
///
/// Exactly once across restarts: the tailer checkpoint is committed only for records whose chunk and index are
/// stored (see ``ShipperCommitQueue``), and each committed position carries the line number of the next record.
/// A restarted shipper (same directory, checkpoint, store and location) resumes the tailer from the checkpoint and
/// the ``LogWriter`` from the stored index; records delivered again that the store already holds are skipped by line
/// number. So no record is lost and none is stored twice.
///
/// ``run(tailer:)`` follows the directory until ``finish()`` (the container is done: read every file to its end,
/// store the last chunk, the final index and the completion marker) or ``stop()`` (shutdown: store what was read,
/// commit, and return without completing). While the container is idle, a chunk older than the chunker's age bound
/// is stored every ``Configuration/flushInterval``, so stored logs lag live output by a bounded time.
public final class LogShipper: Sendable {
    /// Shipper settings.
    ///
    /// - `chunker`: chunk size, age bound and zstd level (defaults: 4 MiB, 2 s, level 3).
    /// - `flushInterval`: how often an idle container's pending chunk is checked against the age bound
    ///   (default 500 ms).
    public struct Configuration: Sendable {
        public var chunker: ChunkerConfiguration
        public var flushInterval: Duration

        public init(chunker: ChunkerConfiguration = .init(), flushInterval: Duration = .milliseconds(500)) {
            self.chunker = chunker
            self.flushInterval = flushInterval
        }
    }

    private struct State {
        var follower: LogFollower?
        var finishRequested = false
        var stopRequested = false
    }

    /// The followed container log directory.
    public let directory: String
    /// Where the log is stored.
    public let location: LogLocation
    let store: any LogStore
    let checkpointPath: String?
    let masker: SecretMasker?
    let configuration: Configuration
    let logger: Logger
    private let state = Mutex(State())

    /// - Parameters:
    ///   - directory: the container's CRI log directory (`0.log`, rotations, restarts).
    ///   - checkpointPath: the tailer checkpoint file; `nil` ships from the start and cannot resume.
    ///   - masker: masks every record before it is stored, line by line per stream (see
    ///     ``SecretMasker/Stream/maskLine(_:)``; `nil`: the records are stored as read). A restarted shipper starts
    ///     masking afresh at its checkpoint.
    public init(
        directory: String, location: LogLocation, store: any LogStore, checkpointPath: String?,
        masker: SecretMasker?, configuration: Configuration = .init(), logger: Logger
    ) {
        self.directory = directory
        self.location = location
        self.store = store
        self.checkpointPath = checkpointPath
        self.masker = masker
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "log.location"] = "\(location.prefix)"
        self.logger = logger
    }

    /// The container is done: read every file to its end, store the rest and the completion marker, then end
    /// ``run(tailer:)``. May be called before or while it runs.
    public func finish() {
        let follower = state.withLock { s in
            s.finishRequested = true
            return s.follower
        }
        follower?.finish()
    }

    /// Shut down without completing: store and commit what was read, then end ``run(tailer:)``. A later shipper
    /// with the same checkpoint continues where this one stopped.
    public func stop() {
        let follower = state.withLock { s in
            s.stopRequested = true
            return s.follower
        }
        follower?.stop()
    }

    /// Ships until ``finish()`` or ``stop()``. Returns the completion marker once the log is complete (at once
    /// when it already was), or `nil` when stopped first.
    @discardableResult
    public func run(tailer: LogTailer) async throws -> LogCompletion? {
        if let bytes = try await store.get(location.completionKey) {
            logger.debug("log already complete")
            return try LogCompletion.decode(bytes, name: location.completionKey)
        }
        let follower = try tailer.follow(directory: directory, checkpointPath: checkpointPath)
        let (finish, stop) = state.withLock { s in
            s.follower = follower
            return (s.finishRequested, s.stopRequested)
        }
        if stop { follower.stop() } else if finish { follower.finish() }

        let writer = LogWriter(store: store, location: location, configuration: configuration.chunker, logger: logger)
        try await writer.resume()
        let queue = PendingCommits()
        let serial = SerialAccess()
        var nextLine = ShipperCommitQueue.nextLine(resumedFrom: follower.resumedFrom)
        let interval = configuration.flushInterval
        let logger = self.logger
        let masker = self.masker

        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Age-bound flushes while the container is idle; failures are retried at the next tick.
                while !Task.isCancelled {
                    try await Task.sleep(for: interval)
                    do {
                        try await serial.run {
                            try await writer.flushIfOlder(now: Self.wallClockNanos())
                            try await Self.commitStored(writer: writer, follower: follower, queue: queue)
                        }
                    } catch {
                        logger.warning("cannot store an idle chunk yet", metadata: ["error.message": "\(error)"])
                    }
                }
            }
            defer { group.cancelAll() }
            var completion: LogCompletion?
            // Masking state across lines: a secret's form running across lines (wrapped base64) is masked.
            var lineMasker = masker.map(LogLineMasker.init(masker:))
            for try await batch in follower {
                var records = batch.records
                if lineMasker != nil {
                    for index in records.indices { records[index] = lineMasker!.mask(records[index]) }
                }
                let firstLine = nextLine
                nextLine += Int64(records.count)
                let endLine = nextLine
                if batch.malformedLines > 0 {
                    logger.warning(
                        "lines that are not CRI kept as raw text",
                        metadata: ["log.malformed": "\(batch.malformedLines)"])
                }
                let finished = try await serial.run { () async throws -> LogCompletion? in
                    try await writer.append(contentsOf: records, firstLineNumber: firstLine)
                    queue.state.withLock { $0.enqueue(batch.position, endLine: endLine) }
                    let finished = batch.isLast ? try await writer.finish() : nil
                    try await Self.commitStored(writer: writer, follower: follower, queue: queue)
                    return finished
                }
                if let finished { completion = finished }
            }
            if completion == nil {
                // Stopped: store what is pending so a restart does not depend on the chunker's memory.
                try await serial.run {
                    try await writer.flush()
                    try await Self.commitStored(writer: writer, follower: follower, queue: queue)
                }
            }
            logger.debug(
                "log shipping ended", metadata: ["log.lines": "\(nextLine)", "log.complete": "\(completion != nil)"])
            return completion
        }
    }

    /// Commits the latest position whose lines are all in stored chunks.
    static func commitStored(writer: LogWriter, follower: LogFollower, queue: PendingCommits) async throws {
        let stored = await writer.storedIndex.lineCount
        if let position = queue.state.withLock({ $0.takeCommittable(storedLines: stored) }) {
            try follower.commit(position)
        }
    }

    /// Nanoseconds since the epoch (the clock of CRI timestamps).
    static func wallClockNanos() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}

/// The shipper's ``ShipperCommitQueue``, shared by its batch loop and its flush ticker.
final class PendingCommits: Sendable {
    let state = Mutex(ShipperCommitQueue())
}
