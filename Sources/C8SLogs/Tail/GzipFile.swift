import CZlib
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// Decompresses one gzip file (RFC 1952, one or more members, as `gzip -dc` reads it) into a descriptor with zlib,
/// in 64 KiB steps: memory stays bounded whatever the file holds, and the output is bounded by `maximumSize`.
package enum GzipFile {
    /// Why a gzip file could not be decompressed.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        package let description: String
    }

    static let chunkSize = 64 * 1024

    /// Writes the decompressed content of `path` to `output` (from its current offset); returns the bytes written.
    ///
    /// - Parameter shouldStop: asked between steps; true abandons the file (a ``Failure``).
    /// - Throws: ``SystemCallError`` for a failed `open`, `read` or `write`; ``Failure`` for data that is not gzip,
    ///   a file that ends inside a member, or output beyond `maximumSize` (named in the message).
    package static func decompress(
        path: String, into output: Int32, maximumSize: Int64, shouldStop: () -> Bool = { false }
    ) throws -> Int64 {
        let input = try systemCall("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(input) }
        let inBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        let outBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: chunkSize)
        defer {
            inBuffer.deallocate()
            outBuffer.deallocate()
        }
        var stream = z_stream()
        guard c8s_inflate_init_gzip(&stream) == Z_OK else {
            throw Failure(description: "\(path): zlib cannot start inflating (out of memory)")
        }
        defer { inflateEnd(&stream) }

        var total: Int64 = 0
        var memberEnded = false
        while true {
            if shouldStop() { throw Failure(description: "\(path): decompression stopped (the tailer shut down)") }
            let count = try systemCall("read", path) { read(input, inBuffer, chunkSize) }
            if count == 0 { break }
            stream.next_in = inBuffer
            stream.avail_in = UInt32(count)
            repeat {
                stream.next_out = outBuffer
                stream.avail_out = UInt32(chunkSize)
                let code = inflate(&stream, Z_NO_FLUSH)
                let produced = chunkSize - Int(stream.avail_out)
                if produced > 0 {
                    total += Int64(produced)
                    guard total <= maximumSize else {
                        throw Failure(
                            description: "\(path) decompresses to more than the \(maximumSize) bytes allowed "
                                + "(LogTailer.Configuration.maximumDecompressedSize)")
                    }
                    do {
                        try FileDescriptor(rawValue: output).writeAll(
                            UnsafeRawBufferPointer(start: outBuffer, count: produced))
                    } catch let error as Errno {
                        throw SystemCallError(call: "write", subject: "decompressed \(path)", errno: error.rawValue)
                    }
                }
                switch code {
                case Z_OK:
                    memberEnded = false
                case Z_STREAM_END:
                    memberEnded = true
                    // Another member follows (what `cat a.gz b.gz` makes).
                    if stream.avail_in > 0 { inflateReset(&stream) }
                case Z_BUF_ERROR:
                    break  // no progress without more input
                default:
                    let reason = stream.msg.map { String(cString: $0) } ?? "error \(code)"
                    throw Failure(description: "\(path) is not a valid gzip file: \(reason)")
                }
                if code == Z_BUF_ERROR { break }
            } while stream.avail_in > 0 || stream.avail_out == 0
        }
        guard memberEnded else { throw Failure(description: "\(path) ends inside its gzip data (truncated)") }
        return total
    }
}
