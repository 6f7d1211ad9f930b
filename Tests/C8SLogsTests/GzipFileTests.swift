import C8STestSupport
import Foundation
import Logging
import Synchronization
import Testing

@testable import C8SLogs

#if canImport(Glibc)
import Glibc
#endif

/// The tailer's zlib decompression of rotated `*.gz` files, against files made by the real `gzip`.
@Suite struct GzipFileTests {
    /// `contents` written to `<directory>/<name>` and compressed with `gzip`; returns the `.gz` path.
    static func gzipped(_ contents: [UInt8], directory: String, name: String) throws -> String {
        let path = "\(directory)/\(name)"
        try Data(contents).write(to: URL(fileURLWithPath: path))
        let result = try ChildProcess.runOnCurrentThread("/usr/bin/gzip", ["-6", "-f", path])
        #expect(result.succeeded, "\(result.errorText)")
        return path + ".gz"
    }

    /// Log-like lines whose bytes vary, so the compressed file spans many 64 KiB reads.
    static func lines(_ count: Int, tag: String = "") -> [UInt8] {
        var text = ""
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for line in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            text += "2024-01-01T00:00:00.\(line)Z stdout F \(tag)line \(line) \(String(state, radix: 36))\n"
        }
        return Array(text.utf8)
    }

    /// Decompresses `path` into an unlinked temporary file and returns what it holds.
    static func decompressed(_ path: String, maximumSize: Int64 = .max) throws -> [UInt8] {
        var template = Array("\(NSTemporaryDirectory())/gz-test-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        #expect(fd >= 0)
        unlink(String(cString: template))
        defer { close(fd) }
        let size = try GzipFile.decompress(path: path, into: fd, maximumSize: maximumSize)
        return readAll(fd, size: size)
    }

    static func readAll(_ fd: Int32, size: Int64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Int(size), 0) }
        #expect(count == Int(size))
        return bytes
    }

    @Test func decompressesWhatGzipWrote() throws {
        let directory = try ChunkTestSupport.temporaryDirectory("gz")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, contents) in [("empty", [UInt8]()), ("small", Self.lines(3)), ("large", Self.lines(40_000))] {
            let path = try Self.gzipped(contents, directory: directory, name: name)
            #expect(try Self.decompressed(path) == contents, "\(name)")
        }
    }

    @Test func readsEveryMemberOfAConcatenatedFile() throws {
        let directory = try ChunkTestSupport.temporaryDirectory("gz")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = Self.lines(5_000, tag: "a ")
        let second = Self.lines(7, tag: "b ")
        let a = try Data(contentsOf: URL(fileURLWithPath: try Self.gzipped(first, directory: directory, name: "a")))
        let b = try Data(contentsOf: URL(fileURLWithPath: try Self.gzipped(second, directory: directory, name: "b")))
        let both = "\(directory)/both.gz"
        try (a + b).write(to: URL(fileURLWithPath: both))
        #expect(try Self.decompressed(both) == first + second)
    }

    @Test func badFilesAreNamed() throws {
        let directory = try ChunkTestSupport.temporaryDirectory("gz")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try Self.gzipped(Self.lines(2_000), directory: directory, name: "whole")
        let compressed = try Data(contentsOf: URL(fileURLWithPath: path))

        let truncated = "\(directory)/truncated.gz"
        try compressed.prefix(compressed.count / 2).write(to: URL(fileURLWithPath: truncated))
        let cut = #expect(throws: GzipFile.Failure.self) { try Self.decompressed(truncated) }
        #expect(cut?.description == "\(truncated) ends inside its gzip data (truncated)")

        let plain = "\(directory)/plain.gz"
        try Data("not compressed\n".utf8).write(to: URL(fileURLWithPath: plain))
        let invalid = #expect(throws: GzipFile.Failure.self) { try Self.decompressed(plain) }
        #expect(invalid?.description.hasPrefix("\(plain) is not a valid gzip file: ") == true)

        let missing = #expect(throws: SystemCallError.self) { try Self.decompressed("\(directory)/missing.gz") }
        #expect(missing?.call == "open")
    }

    @Test func theOutputIsBounded() throws {
        let directory = try ChunkTestSupport.temporaryDirectory("gz")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // 4 MiB of zeros compress to a few KiB: the bound, not the file size, stops it.
        let path = try Self.gzipped([UInt8](repeating: 0, count: 4 << 20), directory: directory, name: "zeros")
        let error = #expect(throws: GzipFile.Failure.self) { try Self.decompressed(path, maximumSize: 1 << 20) }
        #expect(error?.description.contains("more than the 1048576 bytes allowed") == true)
        #expect(error?.description.contains("maximumDecompressedSize") == true)
        #expect(try Self.decompressed(path, maximumSize: 4 << 20).count == 4 << 20)
    }

    /// The decompressor answers on its own thread, never the caller's, with nil for a file it cannot read.
    @Test(.timeLimit(.minutes(1))) func theDecompressorAnswersFromItsOwnThread() async throws {
        let directory = try ChunkTestSupport.temporaryDirectory("gz")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let contents = Self.lines(10_000)
        _ = try Self.gzipped(contents, directory: directory, name: "0.log.20240101-000001")
        try Data("broken".utf8).write(to: URL(fileURLWithPath: "\(directory)/0.log.20240101-000002.gz"))

        let (answers, continuation) = AsyncStream.makeStream(
            of: (Int, [String: TailDecompressor.Output?], pthread_t).self)
        let decompressor = TailDecompressor(
            maximumSize: 1 << 30, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
            deliver: { id, files in continuation.yield((id, files, pthread_self())) })
        decompressor.start()
        defer { decompressor.stop() }
        let submitter = pthread_self()
        decompressor.submit(
            .init(
                follower: 7, directory: directory, names: ["0.log.20240101-000001.gz", "0.log.20240101-000002.gz"]))
        var iterator = answers.makeAsyncIterator()
        let answer = try #require(await iterator.next())
        #expect(answer.0 == 7)
        #expect(pthread_equal(answer.2, submitter) == 0)
        #expect(answer.1.keys.sorted() == ["0.log.20240101-000001.gz", "0.log.20240101-000002.gz"])
        #expect(answer.1["0.log.20240101-000002.gz"]! == nil)
        let output = try #require(answer.1["0.log.20240101-000001.gz"] ?? nil)
        defer { close(output.fd) }
        #expect(output.size == Int64(contents.count))
        #expect(Self.readAll(output.fd, size: output.size) == contents)
        // Unlinked: the file is only reachable through the descriptor.
        var info = stat()
        #expect(fstat(output.fd, &info) == 0 && info.st_nlink == 0)
    }
}
