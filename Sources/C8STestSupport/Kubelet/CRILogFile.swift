import C8SProcess
import Foundation
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// How the simulated kubelet rotates container logs (kubelet's `containerLogMaxSize` / `containerLogMaxFiles`).
public struct LogRotationPolicy: Sendable, Hashable {
    /// Rotate `<n>.log` once it holds at least this many bytes.
    public var maxSize: Int
    /// How many files of a container to keep, the live one included (at least 2).
    public var maxFiles: Int

    public init(maxSize: Int = 10 * 1024 * 1024, maxFiles: Int = 5) {
        self.maxSize = max(1, maxSize)
        self.maxFiles = max(2, maxFiles)
    }
}

/// The live CRI log file of one container, rotated the kubelet's way: `0.log` is renamed to
/// `0.log.<YYYYMMDD-HHMMSS>` (the timestamp bumped by a second when it would repeat, so names stay unique and
/// sortable), a new `0.log` is started, every rotated file but the newest is gzipped (`.gz`) and the oldest are
/// removed beyond `maxFiles`. Rotation happens right after a write crosses `maxSize` (the real kubelet checks
/// every 10 s), always at a line boundary.
///
/// Not thread-safe: one output pump owns it.
final class CRILogFile: @unchecked Sendable {
    let directory: String
    let baseName: String
    let policy: LogRotationPolicy
    private var fd: Int32
    private var size = 0
    private var lastStamp: Int = 0

    var livePath: String { "\(directory)/\(baseName)" }

    /// Creates the directory and opens `<restart>.log` for appending.
    init(directory: String, restart: Int = 0, policy: LogRotationPolicy) throws {
        self.directory = directory
        self.baseName = "\(restart).log"
        self.policy = policy
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        fd = -1
        fd = try Self.open("\(directory)/\(restart).log")
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    private static func open(_ path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw ClusterSimulatorError.io("cannot open log file \(path)", errno: errno) }
        return fd
    }

    /// Appends whole CRI lines, rotating as soon as the file reaches the size limit (between two lines, like a
    /// runtime that writes line by line).
    func write(_ bytes: [UInt8]) throws(ClusterSimulatorError) {
        var start = 0
        while start < bytes.count, fd >= 0 {
            var end = start
            repeat {
                guard let newline = bytes[end...].firstIndex(of: 0x0A) else {
                    end = bytes.count
                    break
                }
                end = newline + 1
            } while end < bytes.count && size + (end - start) < policy.maxSize
            do {
                try FileDescriptor(rawValue: fd).writeAll(bytes[start..<end])
            } catch {
                throw ClusterSimulatorError.io(
                    "cannot write log file \(directory)/\(baseName)", errno: (error as? Errno)?.rawValue ?? 0)
            }
            size += end - start
            start = end
            if size >= policy.maxSize { rotate() }
        }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    private func rotate() {
        let now = Int(Date().timeIntervalSince1970)
        let stamp = max(now, lastStamp + 1)
        lastStamp = stamp
        let rotated = "\(livePath).\(Self.format(stamp))"
        guard Glibc.rename(livePath, rotated) == 0 else { return }
        Glibc.close(fd)
        fd = (try? Self.open(livePath)) ?? -1
        size = 0
        cleanUp()
    }

    /// Gzips every rotated file but the newest and removes the oldest beyond `maxFiles`.
    private func cleanUp() {
        let prefix = baseName + "."
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix(prefix) && !$0.hasSuffix(".tmp") }
            .sorted { Self.stamp(of: $0) < Self.stamp(of: $1) }
        var kept = names
        while kept.count > policy.maxFiles - 1 {
            unlink("\(directory)/\(kept.removeFirst())")
        }
        for name in kept.dropLast() where !name.hasSuffix(".gz") {
            Self.gzip("\(directory)/\(name)")
        }
    }

    private static func stamp(of name: String) -> String {
        name.hasSuffix(".gz") ? String(name.dropLast(3)) : name
    }

    /// `YYYYMMDD-HHMMSS` in UTC, kubelet's rotation suffix.
    static func format(_ epochSeconds: Int) -> String {
        var time = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2) + "-"
            + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2)
    }

    /// Compresses a file to `<file>.gz` with the `gzip` tool (written as `.gz.tmp`, then renamed, so a reader
    /// never sees a partial `.gz`), then removes the original.
    static func gzip(_ path: String) {
        let tmp = "\(path).gz.tmp"
        let output = Glibc.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard output >= 0 else { return }
        defer { Glibc.close(output) }
        guard let status = try? SpawnedProcess.runToCompletion(["gzip", "-c", path], stdout: output), status == 0
        else {
            unlink(tmp)
            return
        }
        if Glibc.rename(tmp, "\(path).gz") == 0 { unlink(path) }
    }
}
