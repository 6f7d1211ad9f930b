import C8STestSupport
import Foundation
import Testing

@testable import C8SLogs

/// Helpers shared by the chunk, store and retrieval tests.
enum ChunkTestSupport {
    /// A fresh temporary directory.
    static func temporaryDirectory(_ name: String = "c8s-logs-test") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// `count` records 1 ms apart starting at a fixed time; alternating streams; deterministic varied text.
    static func records(_ count: Int, start: Int = 0, baseNanos: Int64 = 1_795_564_235_000_000_000) -> [LogRecord] {
        var records: [LogRecord] = []
        let letters = Array("abcdefghij")
        for i in start..<(start + count) {
            var text = "line \(i) " + String(repeating: letters[i % 10], count: i % 37)
            if i % 11 == 0 { text += " ünïcödé ✓" }
            let stream: LogRecord.Stream = i % 7 == 3 ? .stderr : .stdout
            records.append(LogRecord(timestampNanos: baseNanos + Int64(i) * 1_000_000, stream: stream, text: text))
        }
        return records
    }

    /// Runs a command, returning its standard output and exit status.
    static func run(_ executable: String, _ arguments: [String], input: Data? = nil) async throws -> (Data, Int32) {
        let result = try await ChildProcess.run(executable, arguments, standardInput: input)
        let status: Int32
        switch result.termination {
        case .exited(let code): status = code
        case .signalled(let signal): status = signal  // what Foundation's `terminationStatus` reports
        }
        return (result.standardOutput, status)
    }
}
