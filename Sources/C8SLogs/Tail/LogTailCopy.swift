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
    /// The file records are appended to; `nil` only counts them (see ``Statistics``).
    public var outputPath: String?
    /// Masks these secrets in the records first.
    public var masker: SecretMasker?
    /// When true, read every file to its end, then return (the container has terminated).
    public var finish: Bool

    static let outputBytesKey = "output.bytes"

    /// What a run read.
    public struct Statistics: Sendable {
        public var records = 0
        public var textBytes = 0
        public var malformedLines = 0
        public var maskedRecords = 0
    }

    public init(
        directory: String, checkpointPath: String, outputPath: String?, finish: Bool, masker: SecretMasker? = nil
    ) {
        self.directory = directory
        self.checkpointPath = checkpointPath
        self.outputPath = outputPath
        self.finish = finish
        self.masker = masker
    }

    /// Follows the directory until finished (or forever without `finish`).
    @discardableResult
    public func run(logger: Logger) async throws -> Statistics {
        try await LogTailer.withLogTailer(logger: logger) { tailer in
            let follower = try tailer.follow(directory: directory, checkpointPath: checkpointPath)
            var statistics = Statistics()
            var lineMasker = masker.map(LogLineMasker.init(masker:))
            guard let path = outputPath else {
                // Counting only (measuring): commit once at the end.
                if finish { follower.finish() }
                var last: TailPosition?
                for try await batch in follower {
                    statistics.malformedLines += batch.malformedLines
                    for record in batch.records {
                        statistics.records += 1
                        if lineMasker != nil {
                            let masked = lineMasker!.mask(record).text
                            statistics.textBytes += masked.utf8.count
                            if masked != record.text { statistics.maskedRecords += 1 }
                        } else {
                            statistics.textBytes += record.text.utf8.count
                        }
                    }
                    last = batch.position
                }
                if let last { try follower.commit(last) }
                return statistics
            }
            let committedBytes = follower.resumedFrom?.annotations[Self.outputBytesKey].flatMap { Int64($0) } ?? 0
            let fd = try systemCall("open", path) { open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644) }
            defer { close(fd) }
            try systemCall("ftruncate", path) { ftruncate(fd, off_t(committedBytes)) }
            var length = committedBytes
            if finish { follower.finish() }
            var out: [UInt8] = []
            for try await batch in follower {
                out.removeAll(keepingCapacity: true)
                statistics.malformedLines += batch.malformedLines
                for record in batch.records {
                    let text = lineMasker != nil ? lineMasker!.mask(record).text : record.text
                    out.append(contentsOf: "\(record.timestampNanos) \(record.stream.rawValue) ".utf8)
                    out.append(contentsOf: text.utf8)
                    out.append(0x0A)
                    statistics.records += 1
                    statistics.textBytes += text.utf8.count
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
            return statistics
        }
    }
}
