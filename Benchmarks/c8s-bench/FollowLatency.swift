import C8SLogs
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Follow latency as `c8s logs -f` sees it: a line appended to a CRI file (by a writer, 1 ms apart) until the
/// follower (``LogReader/follow(live:from:)`` over ``CRIDirectoryLiveSource``, with a ``LogShipper`` storing the
/// same file) delivers it.
enum FollowLatency {
    static func monotonicNanos() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    static func measure(directory: String, lines: Int, logger: Logger) async throws -> [Double] {
        let container = directory + "/container"
        try FileManager.default.createDirectory(atPath: container, withIntermediateDirectories: true)
        let path = container + "/0.log"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let store = DirectoryLogStore(root: directory + "/store")
        let location = try LogLocation(namespace: "bench", run: "run", step: "follow", container: "container")
        let shipper = LogShipper(
            directory: container, location: location, store: store, checkpointPath: nil, masker: nil, logger: logger)
        let reader = LogReader(store: store, location: location, pollInterval: .milliseconds(100))
        return try await LogTailer.withLogTailer(logger: logger) { tailer in
            let live = CRIDirectoryLiveSource(tailer: tailer, directory: container)
            return try await withThrowingTaskGroup(of: [Double].self) { group in
                group.addTask {
                    try await shipper.run(tailer: tailer)
                    live.finish()
                    return []
                }
                group.addTask {
                    var latencies: [Double] = []
                    latencies.reserveCapacity(lines)
                    for try await record in reader.follow(live: live) {
                        let now = monotonicNanos()
                        if let sent = Int64(record.record.text.split(separator: " ").last ?? "") {
                            latencies.append(Double(now - sent) / 1e9)
                        }
                    }
                    return latencies
                }
                group.addTask {
                    let fd = open(path, O_WRONLY | O_APPEND)
                    defer { close(fd) }
                    let writer = CRIWriter()
                    for index in 0..<lines {
                        let text = "follow line \(index) sent at \(monotonicNanos())"
                        let now = Int64(Date().timeIntervalSince1970 * 1e9)
                        let bytes = writer.encode(LogRecord(timestampNanos: now, stream: .stdout, text: text))
                        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                        try await Task.sleep(for: .milliseconds(1))
                    }
                    shipper.finish()
                    return []
                }
                var result: [Double] = []
                for try await latencies in group where !latencies.isEmpty { result = latencies }
                return result
            }
        }
    }
}
