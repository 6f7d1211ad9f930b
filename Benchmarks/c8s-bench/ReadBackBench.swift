import C8SLogs
import C8STestSupport
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Log read-back, each beside its baseline in the same run (medians of `repeats` runs):
///
/// - `tail=100` of the stored log on SeaweedFS, as the REST API serves it (index, completion marker, last chunks):
///   time and GETs;
/// - the whole log read back from SeaweedFS chunk by chunk and formatted as text (the REST API's download, the
///   dashboard's "raw log" and cluster `c8s logs`) beside a raw S3 GET of every chunk object (the same bytes);
/// - the whole log read back from the directory store (`c8s logs --local`) beside `zstd -dc` of the same chunks.
///
/// The log is a generated CRI file of `megabytes` MB shipped by the log pipeline (tail → parse → 4 MiB zstd-3
/// chunks), so its chunks compress like real output.
enum ReadBackBench {
    static func run(directory: String, megabytes: Int, repeats: Int, logger: Logger) async throws {
        let input = directory + "/readback/pod"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let (bytes, lines) = try Generator.write(path: input + "/0.log", megabytes: megabytes)
        let storeRoot = directory + "/readback/store"
        let local = DirectoryLogStore(root: storeRoot, syncWrites: false)
        let location = try LogLocation(namespace: "bench", run: "run", step: "step", container: "container")
        let shipper = LogShipper(
            directory: input, location: location, store: local, checkpointPath: nil, masker: nil, logger: logger)
        shipper.finish()
        _ = try await LogTailer.withLogTailer(logger: logger) { try await shipper.run(tailer: $0) }
        try? FileManager.default.removeItem(atPath: input)
        let index = try await LogReader(store: local, location: location).index()
        let stored = Double(index.compressedBytes)
        let text = Double(index.uncompressedBytes)
        print("")
        print(
            String(
                format: "log read-back: %.1f MB CRI file, %d lines, %d chunks (%.1f MB stored, %.1f MB of chunk text)",
                Double(bytes) / 1e6, lines, index.chunks.count, stored / 1e6, text / 1e6))

        // Local: `zstd -dc` of the chunks beside the reader over the directory store.
        let chunkFiles = index.chunks.map { "'" + storeRoot + "/" + location.chunkKey(sequence: $0.sequence) + "'" }
        let listFile = directory + "/readback/chunks"
        try chunkFiles.joined(separator: " ").write(toFile: listFile, atomically: true, encoding: .utf8)
        let zstd = try median(repeats) { _ = try Bench.shell("zstd -q -dc $(cat '\(listFile)') >/dev/null") }
        var printedLines = 0
        let localRead = try await medianAsync(repeats) {
            printedLines = try await readBack(LogReader(store: local, location: location))
        }

        // SeaweedFS: the same objects uploaded, read raw and through the reader.
        let (rawGet, s3Read, tail, tailGets, tailChunkGets) = try await SeaweedFSServer.withServer(
            bucket: "c8s-bench"
        ) { server in
            let s3 = CountingLogStore(
                try S3LogStore(
                    configuration: S3Configuration(
                        endpoint: server.endpoint, bucket: server.bucket, prefix: "bench",
                        credentials: .fixed(
                            S3Credentials(accessKeyID: server.accessKey, secretAccessKey: server.secretKey)))))
            for object in try await local.list(prefix: "") {
                guard let data = try await local.get(object.key) else { continue }
                try await s3.put(object.key, data)
            }
            let rawGet = try await medianAsync(repeats) {
                for entry in index.chunks { _ = try await s3.get(location.chunkKey(sequence: entry.sequence)) }
            }
            let s3Reader = LogReader(store: s3, location: location)
            let s3Read = try await medianAsync(repeats) { _ = try await readBack(s3Reader) }
            var gets: [Int] = []
            var chunkGets: [Int] = []
            let tail = try await medianAsync(max(repeats, 21)) {
                s3.reset()
                let index = try await s3Reader.index()
                _ = try await s3Reader.completion()
                var count = 0
                for try await _ in s3Reader.tail(100, index: index) { count += 1 }
                precondition(count == min(100, lines))
                gets.append(s3.getKeys.count)
                chunkGets.append(s3.chunkGets)
            }
            return (rawGet, s3Read, tail, gets.max() ?? 0, chunkGets.max() ?? 0)
        }

        print("read-back                                        median s     MB/s  ratio (baseline s / s)")
        func row(_ name: String, _ seconds: Double, _ baseline: Double?) {
            let ratio = baseline.map { String(format: "%8.2f", $0 / seconds) } ?? "  (base)"
            print(
                name.padding(toLength: 48, withPad: " ", startingAt: 0)
                    + String(format: "%9.3f %8.1f  ", seconds, text / 1e6 / seconds) + ratio)
        }
        row("zstd -dc CHUNKS >/dev/null", zstd, nil)
        row("read back, directory store (c8s logs --local)", localRead, zstd)
        row("raw S3 GET of every chunk (SeaweedFS)", rawGet, nil)
        row("read back from S3 (REST download, c8s logs)", s3Read, rawGet)
        print(
            String(
                format: "tail=100 from S3: median %.1f ms; GETs %d (chunks %d) per tail; %d lines printed per read",
                tail * 1e3, tailGets, tailChunkGets, printedLines))
        print("(MB/s: MB of chunk text per second; medians of \(repeats) runs, tail of \(max(repeats, 21)))")
    }

    /// Reads the whole log as `c8s logs` and the REST download do: the index once, the completion marker, every
    /// record formatted as a text line into a 64 KiB buffer written to /dev/null. Returns the number of lines.
    static func readBack(_ reader: LogReader) async throws -> Int {
        let null = open("/dev/null", O_WRONLY)
        defer { close(null) }
        let index = try await reader.index()
        _ = try await reader.completion()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(80 << 10)
        var count = 0
        let format = LogLineFormat()
        for try await record in reader.records(index: index) {
            var line = format.format(record.record)
            line.withUTF8 { buffer.append(contentsOf: $0) }
            buffer.append(0x0A)
            count += 1
            if buffer.count >= 64 << 10 {
                _ = buffer.withUnsafeBytes { write(null, $0.baseAddress, $0.count) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        _ = buffer.withUnsafeBytes { write(null, $0.baseAddress, $0.count) }
        return count
    }

    static func median(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        try Bench.measure(repeats, body).wall
    }

    static func medianAsync(_ repeats: Int, _ body: () async throws -> Void) async rethrows -> Double {
        try await Bench.measureAsync(repeats, body).wall
    }
}
