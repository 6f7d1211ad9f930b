import CURing
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Follows container log directories (`/var/log/pods/<ns>_<pod>_<uid>/<container>/`) the way kubelet writes
/// them, from one thread: reads with io_uring (or poll(2) and pread(2) where a seccomp profile refuses io_uring),
/// wakes on inotify, survives rotation, deletion and restarts.
///
/// - A file is opened as soon as it is seen and held open, so a renamed (`0.log` → `0.log.<timestamp>`) or
///   unlinked file is still read to its end. Gzipped rotated files (`*.gz`) are copies of files already held
///   open and are not read, with one exception: if the file a checkpoint points into was rotated and compressed
///   while the tailer was down, it is decompressed (zlib, on a thread of its own, never on the io_uring thread)
///   and resumed. (Whole files rotated *and*
///   compressed during downtime, which takes at least three kubelet rotations, are not recovered; a warning
///   names a checkpointed file that cannot be found.)
/// - Files are read in order: `<n>.log.<timestamp>` rotations, then `<n>.log`, for each container restart `n`.
///   A file is done when a newer file exists and it has been read to its end after that file appeared.
/// - A partial (`P`) line still open when its file is done (the runtime switched files in the middle of a long
///   line) is delivered as it is, and its rest in the next file as a record of its own: nothing is lost.
/// - See ``LogFollower`` for the delivery and commit contract, and ``TailPosition`` for checkpoints.
///
/// Use ``withLogTailer(configuration:logger:_:)``: the loop thread runs for the scope and stops when it exits.
public final class LogTailer: Sendable {
    /// Tailer settings.
    ///
    /// - `readBufferSize`: bytes read per io_uring read, per followed directory (default 256 KiB).
    /// - `pollInterval`: how often files at their end are re-read without an inotify event (a deleted file's
    ///   writes produce no directory event); default 250 ms.
    /// - `maxQueuedBatches`: batches waiting for a consumer before its reading pauses (default 4).
    /// - `ringEntries`: io_uring submission queue size (default 256).
    /// - `maximumDecompressedSize`: the most bytes one rotated `*.gz` file may decompress to (default 256 MiB; a
    ///   larger one is skipped with a warning naming this bound).
    /// - `useIOUring`: read with io_uring where the kernel and the seccomp profile allow it, else (and when
    ///   false) with `poll(2)` and `pread(2)`, which a container runtime's default profile allows (default true).
    public struct Configuration: Sendable {
        public var readBufferSize: Int = 256 * 1024
        public var pollInterval: Duration = .milliseconds(250)
        public var maxQueuedBatches: Int = 4
        public var ringEntries: UInt32 = 256
        public var maximumDecompressedSize: Int64 = 256 * 1024 * 1024
        public var useIOUring = true
        public init() {}
    }

    struct Shared {
        var commands: [TailCommand] = []
        var nextID = 1
        var exited = false
        var exitWaiter: CheckedContinuation<Void, Never>?
    }

    let configuration: Configuration
    let logger: Logger
    let inotifyFD: Int32
    let eventFD: Int32
    let shared = Mutex(Shared())

    init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        inotifyFD = try systemCall("inotify_init1") { inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK)) }
        do {
            eventFD = try systemCall("eventfd") { eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK)) }
        } catch {
            close(inotifyFD)
            throw error
        }
    }

    deinit {
        close(inotifyFD)
        close(eventFD)
    }

    /// Runs `body` with a tailer whose loop thread runs until `body` returns; then stops the thread (followers
    /// not finished end with ``LogTailerError/stopped``) and waits for it.
    @discardableResult
    public static func withLogTailer<Result>(
        configuration: Configuration = Configuration(), logger: Logger,
        _ body: (LogTailer) async throws -> Result
    ) async throws -> Result {
        let tailer = try LogTailer(configuration: configuration, logger: logger)
        let loop = try TailLoop(tailer: tailer)
        let thread = Thread {
            loop.run()
            let waiter = tailer.shared.withLock { s in
                s.exited = true
                return s.exitWaiter
            }
            waiter?.resume()
        }
        thread.name = "c8s-log-tailer"
        thread.start()
        let result: Result
        do {
            result = try await body(tailer)
        } catch {
            await tailer.stop()
            throw error
        }
        await tailer.stop()
        return result
    }

    /// Starts following the container log directory `directory`. With `checkpointPath`, reading resumes from
    /// the position stored there (if any) and ``LogFollower/commit(_:)`` stores positions there.
    public func follow(directory: String, checkpointPath: String? = nil) throws -> LogFollower {
        if shared.withLock({ $0.exited }) { throw LogTailerError.stopped }
        var info = stat()
        try systemCall("stat", directory) { stat(directory, &info) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw LogTailerError.notADirectory(directory) }
        let checkpoint = checkpointPath.map { TailCheckpoint(path: $0) }
        let position = try checkpoint?.load()
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_CLOSE_WRITE)
        let watch = try systemCall("inotify_add_watch", directory) { inotify_add_watch(inotifyFD, directory, mask) }
        let id = shared.withLock { s in
            defer { s.nextID += 1 }
            return s.nextID
        }
        let follower = LogFollower(
            id: id, directory: directory, checkpoint: checkpoint, initialPosition: position,
            maxQueued: max(1, configuration.maxQueuedBatches), control: { [weak self] in self?.send($0) })
        send(.add(follower, watch: watch))
        return follower
    }

    func send(_ command: TailCommand) {
        shared.withLock { $0.commands.append(command) }
        wake()
    }

    func wake() {
        var one: UInt64 = 1
        _ = try? systemCall("write", "eventfd") { write(eventFD, &one, 8) }
    }

    func takeCommands() -> [TailCommand] {
        shared.withLock { s in
            defer { s.commands.removeAll() }
            return s.commands
        }
    }

    func stop() async {
        send(.stop)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let exited = shared.withLock { s in
                if !s.exited { s.exitWaiter = continuation }
                return s.exited
            }
            if exited { continuation.resume() }
        }
    }
}
