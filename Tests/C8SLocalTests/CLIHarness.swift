import Foundation
import Testing

@testable import C8SLocal

/// Runs the built `c8s` executable (next to the test bundle) in a temporary directory.
struct CLIHarness {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("c8s-local-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The `c8s` binary built next to the test executable.
    static var binary: URL {
        let executable = URL(
            fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments[0])
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("c8s")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue
            {
                return candidate
            }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/c8s")
    }

    func write(_ text: String, to name: String = ".c8s.yaml") throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func makeProcess(_ arguments: [String], environment: [String: String] = [:]) -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = directory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        return (process, out, err)
    }

    /// Runs `c8s ARGUMENTS` to completion (failing the test if it takes longer than `limit` seconds).
    func run(_ arguments: [String], environment: [String: String] = [:], limit: Double = 120) throws -> Result {
        let (process, out, err) = makeProcess(arguments, environment: environment)
        let collected = Collector()
        try process.run()
        let group = DispatchGroup()
        for (pipe, isOut) in [(out, true), (err, false)] {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.set(data, stdout: isOut)
                group.leave()
            }
        }
        if group.wait(timeout: .now() + limit) == .timedOut {
            process.terminate()
            Issue.record("c8s \(arguments) did not finish within \(limit)s")
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: collected.stdout, stderr: collected.stderr)
    }

    /// The run records in `.c8s/`.
    var runs: [RunRecord] { RunStore(directory: directory.path).list() }

    /// Every byte recorded under `.c8s/`, as text, followed by the decompressed contents of every zstd chunk
    /// (decompressed with the `zstd` command-line tool).
    func recordedText(excludingArtifacts: Bool = false) -> String {
        let root = directory.appendingPathComponent(".c8s")
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return "" }
        var text = ""
        for case let path as String in enumerator {
            if excludingArtifacts && path.contains("/artifacts/") { continue }
            let full = root.appendingPathComponent(path).path
            if let data = FileManager.default.contents(atPath: full) {
                text += String(decoding: data, as: UTF8.self)
            }
            if path.hasSuffix(".zst") { text += (try? Self.decompress(full)) ?? "" }
        }
        return text
    }

    /// `zstd -d -c FILE`.
    static func decompress(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["zstd", "-q", "-d", "-c", path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileReadCorruptFile) }
        return String(decoding: data, as: UTF8.self)
    }

    /// The stored chunks of one step's log, in order (`.c8s/logs/local/RUN/STEP/step/chunk-*.zst`).
    func chunkPaths(run: String, step: String) -> [String] {
        let container = directory.appendingPathComponent(".c8s/logs/local/\(run)/\(step)/step")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: container.path)) ?? []
        return names.filter { $0.hasPrefix("chunk-") && $0.hasSuffix(".zst") }.sorted()
            .map { container.appendingPathComponent($0).path }
    }
}

/// A running `c8s run --local` whose standard output is read as it arrives.
final class LiveRun: @unchecked Sendable {
    let process: Process
    private let lock = NSCondition()
    private var output = ""

    init(_ cli: CLIHarness, _ arguments: [String]) throws {
        let (process, out, _) = cli.makeProcess(arguments)
        self.process = process
        try process.run()
        let handle = out.fileHandleForReading
        Thread.detachNewThread { [self] in
            while true {
                let data = handle.availableData
                lock.lock()
                output += String(decoding: data, as: UTF8.self)
                lock.broadcast()
                lock.unlock()
                if data.isEmpty { return }
            }
        }
    }

    /// Waits (at most `limit` seconds) until the output holds `text` `count` times.
    func wait(for text: String, count: Int = 1, limit: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(limit)
        lock.lock()
        defer { lock.unlock() }
        while output.components(separatedBy: text).count - 1 < count {
            if !lock.wait(until: deadline) { return false }
        }
        return true
    }

    func killHard() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

final class Collector: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()

    func set(_ data: Data, stdout: Bool) {
        lock.lock()
        if stdout { out = data } else { err = data }
        lock.unlock()
    }

    var stdout: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: out, as: UTF8.self)
    }

    var stderr: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: err, as: UTF8.self)
    }
}

/// Processes of process group `group` that are still alive (not zombies), from /proc.
func liveProcesses(inGroup group: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { Int32($0) }.filter { pid in
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        // After "comm)": state, ppid, pgrp.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 && fields[0] != "Z" && Int32(fields[2]) == group
    }
}
