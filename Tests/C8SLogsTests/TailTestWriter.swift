import C8STestSupport
import Foundation
import Synchronization
import SystemPackage

@testable import C8SLogs

#if canImport(Glibc)
import Glibc
#endif

/// Writes numbered CRI lines into a container log directory the way a runtime and kubelet do: appends to
/// `<n>.log`, rotates by renaming it to `<n>.log.<timestamp>` and creating a new `<n>.log`, gzips rotated files
/// except the newest, deletes the oldest beyond `maxFiles`, and starts `<n+1>.log` when the container restarts.
final class TailTestWriter: @unchecked Sendable {
    let directory: String
    let rotateBytes: Int
    let maxFiles: Int
    let gzip: Bool
    var restart = 0
    var fd: Int32 = -1
    var fileBytes = 0
    var rotations = 0
    var pending: [UInt8] = []
    var written: [String] = []
    let writer = CRIWriter()
    var clock: Int64 = 1_700_000_000_000_000_000

    init(directory: String, rotateBytes: Int = .max, maxFiles: Int = 5, gzip: Bool = false) {
        self.directory = directory
        self.rotateBytes = rotateBytes
        self.maxFiles = maxFiles
        self.gzip = gzip
        open()
    }

    var livePath: String { "\(directory)/\(restart).log" }

    func open() {
        fd = Glibc.open(livePath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        precondition(fd >= 0, "open \(livePath): \(errno)")
        fileBytes = 0
    }

    /// Buffers one line; `flush()` writes buffered lines with one write(2).
    func line(_ text: String, stream: LogRecord.Stream = .stdout) {
        clock += 1_000
        writer.append(LogRecord(timestampNanos: clock, stream: stream, text: text), to: &pending)
        written.append(text)
    }

    func flush() {
        guard !pending.isEmpty else { return }
        do {
            try FileDescriptor(rawValue: fd).writeAll(pending)
        } catch {
            preconditionFailure("write: \(error)")
        }
        fileBytes += pending.count
        pending.removeAll(keepingCapacity: true)
        if fileBytes >= rotateBytes { rotate() }
    }

    func rotate() {
        rotations += 1
        let rotated = "\(livePath).20240101-\(String(format: "%06d", rotations))"
        precondition(rename(livePath, rotated) == 0)
        let old = fd
        open()
        Glibc.close(old)
        var names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("\(restart).log.") }.sorted()
        if gzip {
            for name in names.dropLast() where !name.hasSuffix(".gz") {
                _ = try? ChildProcess.runOnCurrentThread("/usr/bin/gzip", ["-1", "-f", "\(directory)/\(name)"])
            }
            names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasPrefix("\(restart).log.") }.sorted()
        }
        for name in names.dropLast(maxFiles) { unlink("\(directory)/\(name)") }
    }

    func restartContainer() {
        flush()
        Glibc.close(fd)
        restart += 1
        open()
    }

    func close() {
        flush()
        Glibc.close(fd)
        fd = -1
    }
}

/// A unique temporary directory, removed by `remove()`.
struct TailTempDirectory {
    let path: String
    init() {
        var template = Array("\(NSTemporaryDirectory())/c8s-tail-XXXXXX".utf8CString)
        let result = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(result != nil)
        path = String(cString: template)
    }
    func subdirectory(_ name: String) -> String {
        let p = path + "/" + name
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Waits for a thread to finish, without blocking a Swift concurrency thread.
final class TailThreadDone: Sendable {
    let state = Mutex<(done: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))
    func signal() {
        state.withLock { s in
            s.done = true
            let w = s.waiter
            s.waiter = nil
            return w
        }?.resume()
    }
    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let done = state.withLock { s in
                if !s.done { s.waiter = c }
                return s.done
            }
            if done { c.resume() }
        }
    }
}

/// A short description of how `received` differs from `written` (nil when equal): never the whole arrays.
func tailDifference(_ received: [String], _ written: [String]) -> String? {
    if received == written { return nil }
    let counts = Dictionary(received.map { ($0, 1) }, uniquingKeysWith: +)
    let duplicates = counts.values.filter { $0 > 1 }.count
    let receivedSet = Set(received)
    let missing = written.enumerated().filter { !receivedSet.contains($0.element) }.map(\.offset)
    var ranges: [String] = []
    var i = 0
    while i < missing.count, ranges.count < 10 {
        var j = i
        while j + 1 < missing.count, missing[j + 1] == missing[j] + 1 { j += 1 }
        ranges.append("\(missing[i])...\(missing[j])")
        i = j + 1
    }
    let firstDiff = zip(received, written).enumerated().first { $0.element.0 != $0.element.1 }?.offset
    return "received \(received.count) of \(written.count) lines; "
        + "\(missing.count) missing (\(ranges.joined(separator: ", "))); "
        + "\(duplicates) duplicated; first difference at index \(firstDiff.map(String.init) ?? "end")"
}
