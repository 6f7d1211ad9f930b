import C8SLogs
import C8SProcess
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `c8s-bench`: throughput of the log pipeline's stages on a generated CRI log file, beside `cat` and `zstd -1` on
/// the same file, and the follow latency (line written to a CRI file → line delivered to a follower).
///
/// Usage: `c8s-bench [--megabytes N] [--read-megabytes N] [--repeats N] [--latency-lines N] [--directory DIR]
/// [--mask-only] [--read-only]` (defaults 200, 256, 3, 3000, a temporary dir; stage figures are medians of
/// `--repeats` runs; `--mask-only` stops after parsing, masking and the `grep -F` baseline, for callgrind;
/// `--read-only` runs only the log read-back benchmarks of ``ReadBackBench`` on a `--read-megabytes` log);
/// `c8s-bench --pipeline-only` runs only the validation and planning benchmarks (``PipelineBench``);
/// `c8s-bench --local-only [--local-steps N,N,...]` only local mode's run of N trivial steps (``LocalBench``;
/// default 1 000 and 10 000);
/// `c8s-bench --dispatch [--runs R,R,...] [--workers N] [--coordinator PATH]` only the dispatch benchmark
/// (``DispatchBench``; default R 25 and 100; `--runs 100,300,1000` for the full table; the `c8s-coordinator`
/// next to `c8s-bench` unless PATH names another build); `c8s-bench --webhooks [--deliveries N]` only the webhook
/// intake benchmark (``WebhookBench``, default 20 000 deliveries). The default run ends with the webhook benchmark
/// and the dispatch benchmark at the default R.
@main
enum Bench {
    static func main() async throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "--pipeline-only" { return PipelineBench.run() }
        if arguments.first == "--local-only" { return await local(Array(arguments.dropFirst())) }
        if arguments.first == "--dispatch" { return try await dispatch(Array(arguments.dropFirst())) }
        if arguments.first == "--webhooks" {
            let count = arguments.count == 3 && arguments[1] == "--deliveries" ? Int(arguments[2]) : 20_000
            guard let count, count > 0, arguments.count == 1 || arguments.count == 3 else {
                FileHandle.standardError.write(Data("usage: c8s-bench --webhooks [--deliveries N]\n".utf8))
                exit(2)
            }
            return try await WebhookBench.run(deliveries: count)
        }
        try await run()
        // `--mask-only` and `--read-only` name one part of the log benchmark; nothing else runs after it.
        if arguments.contains("--mask-only") || arguments.contains("--read-only") { return }
        PipelineBench.run()
        await LocalBench.run()
        try await WebhookBench.run(deliveries: 20_000)
        try await dispatch([])
    }

    /// The local-mode benchmark with its own arguments (`--local-steps N,N,...`).
    nonisolated static func local(_ arguments: [String]) async {
        var sizes = LocalBench.sizes
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--local-steps":
                sizes = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
            default:
                FileHandle.standardError.write(Data("unknown local argument \(argument)\n".utf8))
                exit(2)
            }
        }
        await LocalBench.run(sizes: sizes)
    }

    /// The dispatch benchmark with its own arguments.
    nonisolated static func dispatch(_ arguments: [String]) async throws {
        var runCounts = [25, 100]
        var workers: Int?
        var coordinator: String?
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--runs":
                runCounts = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
            case "--workers": workers = Int(iterator.next() ?? "")
            case "--coordinator": coordinator = iterator.next()
            default:
                FileHandle.standardError.write(Data("unknown dispatch argument \(argument)\n".utf8))
                exit(2)
            }
        }
        try await DispatchBench.run(runCounts: runCounts, workers: workers, coordinator: coordinator)
    }

    /// The benchmark body, off the main actor.
    nonisolated static func run() async throws {
        var megabytes = 200
        var latencyLines = 3000
        var maskOnly = false
        var readOnly = false
        var readMegabytes = 256
        var repeats = 3
        var directory = NSTemporaryDirectory() + "c8s-bench-\(getpid())"
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = arguments.next() {
            switch argument {
            case "--megabytes": megabytes = Int(arguments.next() ?? "") ?? megabytes
            case "--latency-lines": latencyLines = Int(arguments.next() ?? "") ?? latencyLines
            case "--directory": directory = arguments.next() ?? directory
            case "--mask-only": maskOnly = true
            case "--read-only": readOnly = true
            case "--read-megabytes": readMegabytes = Int(arguments.next() ?? "") ?? readMegabytes
            case "--repeats": repeats = max(1, Int(arguments.next() ?? "") ?? repeats)
            default:
                FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
                exit(2)
            }
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "c8s.bench")
        logger.logLevel = .warning
        if readOnly {
            try await ReadBackBench.run(
                directory: directory, megabytes: readMegabytes, repeats: repeats, logger: logger)
            return
        }

        let input = directory + "/pod/container"
        let file = input + "/0.log"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let (bytes, lines) = try Generator.write(path: file, megabytes: megabytes)
        let size = Double(bytes)
        print(
            String(
                format: "input: %@, %.1f MB, %d lines (mixed lengths, 1%% over 16 KiB as P fragments)", file,
                size / 1e6, lines))
        let secrets = (0..<100).map { SecretMasker.Secret(name: "secret-\($0)", value: Generator.secret($0)) }
        let masker = SecretMasker(secrets: secrets)

        // Baselines on the same (cached) file.
        _ = try shell("cat '\(file)' >/dev/null")  // warm the page cache
        let cat = try measure(repeats) { _ = try shell("cat '\(file)' >/dev/null") }
        let zstd = try measure(repeats) { _ = try shell("zstd -1 -c '\(file)' >/dev/null") }

        // CRI parsing (read(2) in 1 MiB pieces + parse).
        var records: [LogRecord] = []
        records.reserveCapacity(lines)
        let parse = measure(repeats) {
            records.removeAll(keepingCapacity: true)
            let fd = open(file, O_RDONLY)
            defer { close(fd) }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 8)
            defer { buffer.deallocate() }
            var parser = CRIParser()
            while true {
                let n = read(fd, buffer.baseAddress, buffer.count)
                guard n > 0 else { break }
                parser.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) { records.append($0.record) }
            }
            parser.finish { records.append($0.record) }
        }
        // Masking with 100 secrets (every encoding of each: \(masker.patternCount) patterns).
        var maskedCount = 0
        var masked: [LogRecord] = []
        masked.reserveCapacity(records.count)
        let mask = measure(repeats) {
            masked.removeAll(keepingCapacity: true)
            maskedCount = 0
            for record in records {
                let m = masker.mask(record)
                if m.text.utf8.count != record.text.utf8.count { maskedCount += 1 }
                masked.append(m)
            }
        }
        // The same records line by line across lines, as the log pipeline masks them (LogLineMasker).
        let maskLines = measure(repeats) {
            var lineMasker = LogLineMasker(masker: masker)
            masked.removeAll(keepingCapacity: true)
            for record in records { masked.append(lineMasker.mask(record)) }
        }
        // Baseline: grep -F -f of the same patterns over the same file (counting matching lines).
        let patternFile = directory + "/patterns"
        var patternText: [UInt8] = []
        for p in masker.patterns { patternText += p + [0x0A] }
        try Data(patternText).write(to: URL(fileURLWithPath: patternFile))
        let grep = try measure(repeats) {
            _ = try shell("LC_ALL=C grep -F -c -f '\(patternFile)' '\(file)' >/dev/null")
        }
        if maskOnly {
            // (for callgrind: parse and mask only)
            print(
                String(
                    format: "mask %.1f MB/s (cpu %.1f), line by line %.1f MB/s, grep -F %.1f MB/s (cpu %.1f)",
                    size / 1e6 / mask.wall, size / 1e6 / mask.cpu, size / 1e6 / maskLines.wall, size / 1e6 / grep.wall,
                    size / 1e6 / grep.cpu))
            return
        }
        // Chunking (zstd level 3, 4 MiB chunks).
        var compressed = 0
        let chunk = try measure(repeats) {
            var chunker = Chunker(configuration: ChunkerConfiguration(maxAgeNanos: Int64.max / 2))
            compressed = 0
            var sealed: [Chunk] = []
            for record in masked {
                try chunker.append(record, sealing: &sealed)
                for c in sealed { compressed += c.data.count }
                sealed.removeAll(keepingCapacity: true)
            }
            if let last = try chunker.flush() { compressed += last.data.count }
        }
        records = []
        masked = []
        // Rotated .gz files: zlib in this process (GzipFile, what the tailer's decompressor thread runs) beside
        // `gzip -dc` as a child process (what the io_uring thread used to run and wait for).
        let gz = directory + "/rotated.gz"
        _ = try shell("gzip -1 -c '\(file)' > '\(gz)'")
        let gzipChild = try measure(repeats) { _ = try shell("gzip -dc '\(gz)' >/dev/null") }
        let gunzip = try measure(repeats) {
            let null = open("/dev/null", O_WRONLY)
            defer { close(null) }
            _ = try GzipFile.decompress(path: gz, into: null, maximumSize: .max)
        }
        // The whole path: tailer (io_uring) -> parse -> mask -> chunk -> directory store, with fsynced puts and
        // checkpoints (as local mode and the agent run it), and without fsync (to show what the syncs cost).
        var shippedLines: Int64 = 0
        func ship(sync: Bool) async throws -> Timing {
            try await measureAsync(repeats) {
                let storeRoot = directory + "/store-\(UUID().uuidString)"
                defer { try? FileManager.default.removeItem(atPath: storeRoot) }
                let location = try LogLocation(namespace: "bench", run: "run", step: "step", container: "container")
                let shipper = LogShipper(
                    directory: input, location: location, store: DirectoryLogStore(root: storeRoot, syncWrites: sync),
                    checkpointPath: sync ? directory + "/checkpoint-\(UUID().uuidString)" : nil, masker: masker,
                    logger: logger)
                shipper.finish()
                let completion = try await LogTailer.withLogTailer(logger: logger) { try await shipper.run(tailer: $0) }
                shippedLines = completion?.lines ?? -1
            }
        }
        let whole = try await ship(sync: true)
        let wholeNoSync = try await ship(sync: false)

        print("")
        print("stage                                     wall s    MB/s  vs cat  vs zstd -1   cpu s  cpu MB/s")
        func row(_ name: String, _ timing: Timing) {
            print(
                name.padding(toLength: 40, withPad: " ", startingAt: 0)
                    + String(
                        format: "%8.3f %7.1f %7.3f %10.2f %7.3f %9.1f", timing.wall, size / 1e6 / timing.wall,
                        cat.wall / timing.wall, zstd.wall / timing.wall, timing.cpu,
                        size / 1e6 / max(timing.cpu, 1e-6)))
        }
        row("cat FILE >/dev/null", cat)
        row("zstd -1 -c FILE >/dev/null", zstd)
        row("CRI parse (read + parse)", parse)
        row("grep -F -c -f PATTERNS FILE", grep)
        row("mask, 100 secrets (\(masker.patternCount) patterns)", mask)
        row("  same, line by line across lines", maskLines)
        row("chunk (zstd level 3, 4 MiB chunks)", chunk)
        row("gzip -dc FILE.gz >/dev/null (child)", gzipChild)
        row("gunzip FILE.gz with zlib (GzipFile)", gunzip)
        row("tail -> parse -> mask -> chunk -> store", whole)
        row("  same, no fsync, no checkpoint", wholeNoSync)
        print("(ratios: baseline wall seconds / stage wall seconds; cpu: user+sys of the process and of cat/zstd/grep)")
        print(
            String(
                format: "(mask vs grep -F: %.2fx by wall time, %.2fx by cpu time)", grep.wall / mask.wall,
                grep.cpu / max(mask.cpu, 1e-6)))
        print(String(format: "(gunzip: zlib in process %.2fx the speed of gzip -dc)", gzipChild.wall / gunzip.wall))
        print(
            String(
                format: "(masked lines %d; chunks %.1f MB, ratio %.1fx; shipped %lld lines)",
                maskedCount, Double(compressed) / 1e6, size / Double(max(compressed, 1)), shippedLines))

        try await ReadBackBench.run(directory: directory, megabytes: readMegabytes, repeats: repeats, logger: logger)

        let latencies = try await FollowLatency.measure(
            directory: directory + "/follow", lines: latencyLines, logger: logger)
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        print("")
        print("follow latency (CRI line written -> delivered to a follower):")
        print(
            String(
                format: "%d lines: p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                sorted.count, percentile(0.5) * 1e3, percentile(0.99) * 1e3, (sorted.last ?? 0) * 1e3))
    }

    static func shell(_ command: String) throws -> Int32 {
        let result = try ChildProcess.runOnCurrentThread("/bin/sh", ["-c", command])
        FileHandle.standardError.write(result.standardError)
        return result.exitCode ?? -1
    }

    /// Wall-clock seconds and CPU seconds (this process and its waited-for children) of one stage.
    struct Timing {
        var wall: Double
        var cpu: Double
    }

    static func cpuSeconds() -> Double {
        var own = rusage()
        var children = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &own)
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &children)
        func total(_ u: rusage) -> Double {
            Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
        }
        return total(own) + total(children)
    }

    static func measure(_ body: () throws -> Void) rethrows -> Timing {
        let cpu = cpuSeconds()
        let start = ContinuousClock.now
        try body()
        return Timing(wall: seconds(ContinuousClock.now - start), cpu: cpuSeconds() - cpu)
    }

    static func measureAsync(_ body: () async throws -> Void) async rethrows -> Timing {
        let cpu = cpuSeconds()
        let start = ContinuousClock.now
        try await body()
        return Timing(wall: seconds(ContinuousClock.now - start), cpu: cpuSeconds() - cpu)
    }

    /// The run of `body` with the median wall time among `repeats` runs (and that run's CPU time).
    static func measure(_ repeats: Int, _ body: () throws -> Void) rethrows -> Timing {
        var timings: [Timing] = []
        for _ in 0..<max(1, repeats) { timings.append(try measure(body)) }
        return timings.sorted { $0.wall < $1.wall }[timings.count / 2]
    }

    /// The run of `body` with the median wall time among `repeats` runs (and that run's CPU time).
    static func measureAsync(_ repeats: Int, _ body: () async throws -> Void) async rethrows -> Timing {
        var timings: [Timing] = []
        for _ in 0..<max(1, repeats) { timings.append(try await measureAsync(body)) }
        return timings.sorted { $0.wall < $1.wall }[timings.count / 2]
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
