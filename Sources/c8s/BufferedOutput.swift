import Foundation
import Synchronization
import SystemPackage

/// Standard output through a 64 KiB buffer, for printing a stored log: one `write(2)` per 64 KiB instead of one per
/// line, and memory bounded by the buffer whatever the log's size. A follower, which must see each line as it
/// arrives, uses ``printLine(_:)`` instead. Call ``flush()`` before the command ends.
final class BufferedOutput: Sendable {
    /// Bytes gathered before they are written.
    static let capacity = 64 << 10
    private let pending = Mutex<[UInt8]>([])

    /// Adds `line` and a newline, writing the buffer out once it holds ``capacity`` bytes.
    @Sendable func line(_ line: String) {
        pending.withLock { bytes in
            if bytes.capacity < Self.capacity { bytes.reserveCapacity(Self.capacity + 4096) }
            bytes.append(contentsOf: line.utf8)
            bytes.append(0x0A)
            if bytes.count >= Self.capacity {
                writeStandardOutput(bytes)
                bytes.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Writes what is buffered.
    func flush() {
        pending.withLock { bytes in
            if !bytes.isEmpty { writeStandardOutput(bytes) }
            bytes.removeAll(keepingCapacity: true)
        }
    }
}

/// Writes `bytes` to standard output whole. A reader that went away (`c8s logs … | head`) ends the command quietly,
/// as SIGPIPE would; any other write error ends it with the error.
func writeStandardOutput(_ bytes: [UInt8]) {
    do {
        try FileDescriptor.standardOutput.writeAll(bytes)
    } catch {
        let readerGone = (error as? Errno) == .brokenPipe
        if !readerGone { FileHandle.standardError.write(Data("c8s: cannot write output: \(error)\n".utf8)) }
        exit(readerGone ? 0 : 1)
    }
}
