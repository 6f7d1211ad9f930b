import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Decompresses rotated `*.gz` log files for the tailer's loop on a thread of its own, so that the io_uring thread
/// never waits for zlib or for the disk: the loop ``submit(_:)``s the names one follower needs, and gets them back
/// through ``TailCommand/decompressed(_:_:)``, each as an unlinked temporary file or nil when it could not be read.
final class TailDecompressor: Sendable {
    /// The compressed files one follower needs.
    struct Request: Sendable {
        let follower: Int
        let directory: String
        let names: [String]
    }

    /// One decompressed file: an unlinked temporary file, held open.
    struct Output: Sendable {
        let fd: Int32
        let identity: LogFileIdentity
        let size: Int64
    }

    /// The name of the decompressor's thread.
    static let threadName = "c8s-log-gunzip"

    private struct State {
        var requests: [Request] = []
        var stopped = false
    }

    private let state = Mutex(State())
    private let wakeup = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private let maximumSize: Int64
    private let logger: Logger
    private let deliver: @Sendable (Int, [String: Output?]) -> Void

    /// A decompressor that hands each request's results to `deliver` (on its own thread).
    init(maximumSize: Int64, logger: Logger, deliver: @escaping @Sendable (Int, [String: Output?]) -> Void) {
        self.maximumSize = maximumSize
        self.logger = logger
        self.deliver = deliver
    }

    /// Starts the thread.
    func start() {
        let thread = Thread { [self] in
            run()
            exited.signal()
        }
        thread.name = Self.threadName
        thread.start()
    }

    /// Queues `request`.
    func submit(_ request: Request) {
        state.withLock { $0.requests.append(request) }
        wakeup.signal()
    }

    /// Stops the thread (a file being decompressed is abandoned) and waits for it; queued requests are dropped.
    func stop() {
        state.withLock { $0.stopped = true }
        wakeup.signal()
        exited.wait()
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func run() {
        Thread.current.name = Self.threadName
        while true {
            wakeup.wait()
            let next: Request?? = state.withLock { s in
                if s.stopped { return .none }
                return .some(s.requests.isEmpty ? nil : s.requests.removeFirst())
            }
            guard let request = next else { return }
            guard let request else { continue }
            var results: [String: Output?] = [:]
            for name in request.names {
                results[name] = decompress(name, directory: request.directory)
            }
            if isStopped {
                for case let output? in results.values { close(output.fd) }
                return
            }
            deliver(request.follower, results)
        }
    }

    /// A temporary file with no name: `O_TMPFILE` where the file system has it (nothing to remove, nothing left
    /// behind whatever happens to the process), else `mkstemp` and an immediate unlink.
    static func unnamedTemporaryFile() throws(SystemCallError) -> Int32 {
        let directory = NSTemporaryDirectory()
        let fd = open(directory, __O_TMPFILE | O_RDWR | O_CLOEXEC, 0o600)
        if fd >= 0 { return fd }
        var template = Array("\(directory)/c8s-tail-gz-XXXXXX".utf8CString)
        let named = try systemCall("mkstemp", directory) {
            template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        }
        unlink(String(cString: template))
        return named
    }

    /// `name` decompressed into an unlinked temporary file; nil (with a warning) when that fails.
    func decompress(_ name: String, directory: String) -> Output? {
        let path = directory + "/" + name
        do {
            let fd = try Self.unnamedTemporaryFile()
            do {
                let size = try GzipFile.decompress(
                    path: path, into: fd, maximumSize: maximumSize, shouldStop: { isStopped })
                var info = stat()
                try systemCall("fstat", path) { fstat(fd, &info) }
                return Output(
                    fd: fd, identity: LogFileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)),
                    size: size)
            } catch {
                close(fd)
                throw error
            }
        } catch {
            logger.warning(
                "cannot decompress log file", metadata: ["log.file": "\(path)", "error.message": "\(error)"])
            return nil
        }
    }
}
