import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Copies the records of one container log directory to a file, exactly once across crashes: each batch is
/// appended and fsynced, then its position is committed with the output length in its annotations; a restart
/// first cuts the output back to the committed length. The `c8s-logtail` command runs this.
///
/// Output lines are `<timestampNanos> <stdout|stderr> <text>`.
public struct LogTailCopy: Sendable {
    /// The container log directory to follow.
    public var directory: String
    /// The checkpoint file.
    public var checkpointPath: String
    /// The file records are appended to.
    public var outputPath: String
    /// When true, read every file to its end, then return (the container has terminated).
    public var finish: Bool

    static let outputBytesKey = "output.bytes"

    public init(directory: String, checkpointPath: String, outputPath: String, finish: Bool) {
        self.directory = directory
        self.checkpointPath = checkpointPath
        self.outputPath = outputPath
        self.finish = finish
    }

    /// Follows the directory until finished (or forever without `finish`).
    public func run(logger: Logger) async throws {
        try await LogTailer.withLogTailer(logger: logger) { tailer in
            let follower = try tailer.follow(directory: directory, checkpointPath: checkpointPath)
            let committedBytes = follower.resumedFrom?.annotations[Self.outputBytesKey].flatMap { Int64($0) } ?? 0
            let path = outputPath
            let fd = try systemCall("open", path) { open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644) }
            defer { close(fd) }
            try systemCall("ftruncate", path) { ftruncate(fd, off_t(committedBytes)) }
            var length = committedBytes
            if finish { follower.finish() }
            var out: [UInt8] = []
            for try await batch in follower {
                out.removeAll(keepingCapacity: true)
                for record in batch.records {
                    out.append(contentsOf: "\(record.timestampNanos) \(record.stream.rawValue) ".utf8)
                    out.append(contentsOf: record.text.utf8)
                    out.append(0x0A)
                }
                try out.withUnsafeBytes { raw in
                    var written = 0
                    while written < raw.count {
                        written += try systemCall("pwrite", path) {
                            pwrite(fd, raw.baseAddress! + written, raw.count - written, off_t(length) + off_t(written))
                        }
                    }
                }
                try systemCall("fsync", path) { fsync(fd) }
                length += Int64(out.count)
                var position = batch.position
                position.annotations[Self.outputBytesKey] = String(length)
                try follower.commit(position)
            }
        }
    }
}
