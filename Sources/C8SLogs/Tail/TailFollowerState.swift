#if canImport(Glibc)
import Glibc
#endif

/// The loop thread's state of one follower.
final class TailFollowerState {
    let handle: LogFollower
    let watch: Int32
    var files: [TailFile] = []
    var finished: [TailPosition.Finished]
    /// Descriptors of finished files still in the directory: held so their inodes cannot be reused meanwhile.
    var finishedFDs: [LogFileIdentity: Int32] = [:]
    var pendingCursor: TailPosition.Cursor?
    let buffer: UnsafeMutableRawBufferPointer
    var sequence: UInt64 = 0
    var readInFlight = false
    var issuedWithSuccessor = false
    var issuedWithFinish = false
    var wantRead = true
    var needsRescan = true
    var paused = false
    var finishRequested = false
    var ended = false
    var firstScan = true
    /// The newest rotation suffix seen per container restart number (compressed or not).
    var latestRotation: [Int: String] = [:]
    /// Compressed files of the first listing are being decompressed: nothing is listed or read meanwhile.
    var decompressing = false
    /// Decompressed files by compressed name, until the first listing takes them (nil: could not be read).
    var decompressed: [String: TailDecompressor.Output?] = [:]

    init(handle: LogFollower, watch: Int32, bufferSize: Int) {
        self.handle = handle
        self.watch = watch
        self.finished = handle.initialPosition?.finished ?? []
        self.pendingCursor = handle.initialPosition?.current
        self.buffer = .allocate(byteCount: bufferSize, alignment: 4096)
    }

    deinit {
        buffer.deallocate()
        for file in files { close(file.fd) }
        for fd in finishedFDs.values { close(fd) }
        for case let output? in decompressed.values { close(output.fd) }
    }

    /// The position after everything delivered so far, with the next sequence number.
    func nextPosition() -> TailPosition {
        sequence += 1
        let current = files.first.map {
            TailPosition.Cursor(
                file: $0.identity, name: $0.name, resume: $0.parser.resumePoint,
                lastDeliveredLine: $0.lastDeliveredLine,
                latestRotation: TailFileName($0.name).flatMap { latestRotation[$0.restart] })
        }
        return TailPosition(current: current, finished: finished, sequence: sequence)
    }
}
