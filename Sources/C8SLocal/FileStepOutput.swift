import C8SLogs
import Foundation
import Synchronization

/// Writes each step's output to `steps/STEP/output.log` of its run in CRI log format
/// (`2026-11-25T00:15:02.123456789Z stdout F text`), and reads it back.
public final class FileStepOutput: StepOutputSink, StepOutputReader {
    private let store: RunStore
    private let runID: String?
    private let handles = Mutex<[String: FileHandle]>([:])

    /// A writer for run `runID` (also a reader of any run).
    public init(store: RunStore, runID: String? = nil) {
        self.store = store
        self.runID = runID
    }

    public func write(step: String, stream: LogRecord.Stream, line: String, timestamp: Date) {
        guard let runID else { return }
        let text = "\(Self.format(timestamp)) \(stream.rawValue) F \(line)\n"
        handles.withLock { handles in
            if handles[step] == nil {
                let directory = store.stepDirectory(run: runID, step: step)
                try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                let path = directory.appendingPathComponent("output.log").path
                _ = FileManager.default.createFile(atPath: path, contents: nil)
                handles[step] = FileHandle(forWritingAtPath: path)
            }
            handles[step]?.write(Data(text.utf8))
        }
    }

    public func finish(step: String) {
        handles.withLock { handles in
            try? handles[step]?.close()
            handles[step] = nil
        }
    }

    public func records(run: String, step: String) throws(LocalError) -> [LogRecord] {
        let path = store.stepDirectory(run: run, step: step).appendingPathComponent("output.log").path
        // A step that never wrote a line (or never ran) has no file: no lines.
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .compactMap(Self.parse)
    }

    /// RFC 3339 with nanoseconds, UTC.
    static func format(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let nanos = Int(((date.timeIntervalSince1970 - seconds) * 1e9).rounded()).clamped(to: 0...999_999_999)
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ",
            parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, nanos
        )
    }

    private static func parse(_ line: Substring) -> LogRecord? {
        let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count >= 3, let stream = LogRecord.Stream(rawValue: String(fields[1])) else { return nil }
        let text = fields.count == 4 ? String(fields[3]) : ""
        return LogRecord(timestampNanos: parseTimestamp(fields[0]) ?? 0, stream: stream, text: text)
    }

    private static func parseTimestamp(_ text: Substring) -> Int64? {
        // 2026-11-25T00:15:02.123456789Z
        let parts = text.dropLast().split(whereSeparator: { "-T:.".contains($0) })
        guard parts.count == 7, let numbers = Optional(parts.compactMap { Int($0) }), numbers.count == 7 else {
            return nil
        }
        var components = tm()
        components.tm_year = Int32(numbers[0] - 1900)
        components.tm_mon = Int32(numbers[1] - 1)
        components.tm_mday = Int32(numbers[2])
        components.tm_hour = Int32(numbers[3])
        components.tm_min = Int32(numbers[4])
        components.tm_sec = Int32(numbers[5])
        let seconds = Int64(timegm(&components))
        return seconds * 1_000_000_000 + Int64(numbers[6])
    }
}

extension Comparable {
    fileprivate func clamped(to range: ClosedRange<Self>) -> Self {
        min(max(self, range.lowerBound), range.upperBound)
    }
}
