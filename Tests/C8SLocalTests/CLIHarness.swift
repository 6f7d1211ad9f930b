import C8STestSupport
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
        URL(fileURLWithPath: builtExecutable("c8s"))
    }

    func write(_ text: String, to name: String = ".c8s.yaml") throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// Starts `c8s ARGUMENTS` in the directory, with stdin from /dev/null and `environment` over this process's.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIChild {
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        return try CLIChild([Self.binary.path] + arguments, environment: variables, directory: directory.path)
    }

    /// Runs `c8s ARGUMENTS` to completion (failing the test if it takes longer than `limit` seconds).
    func run(_ arguments: [String], environment: [String: String] = [:], limit: Double = 120) throws -> Result {
        let result = try ChildProcess.runOnCurrentThread(
            Self.binary.path, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            workingDirectory: directory.path, timeLimit: .seconds(limit))
        if result.timedOut { Issue.record("c8s \(arguments) did not finish within \(limit)s") }
        return Result(status: result.termination.status, stdout: result.outputText, stderr: result.errorText)
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
        let result = try ChildProcess.runOnCurrentThread("zstd", ["-q", "-d", "-c", path])
        guard result.succeeded else { throw CocoaError(.fileReadCorruptFile) }
        return result.outputText
    }

    /// The stored chunks of one step's log, in order (`.c8s/logs/local/RUN/STEP/step/chunk-*.zst`).
    func chunkPaths(run: String, step: String) -> [String] {
        let container = directory.appendingPathComponent(".c8s/logs/local/\(run)/\(step)/step")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: container.path)) ?? []
        return names.filter { $0.hasPrefix("chunk-") && $0.hasSuffix(".zst") }.sorted()
            .map { container.appendingPathComponent($0).path }
    }
}

/// A started `c8s` process (C8SProcess's ``SpawnedChild``): its stdout and stderr are pipes the test reads.
final class CLIChild: Sendable {
    private let child: SpawnedChild
    /// The read end of the child's stdout.
    let standardOutput: FileHandle
    /// The read end of the child's stderr.
    let standardError: FileHandle

    init(_ argv: [String], environment: [String: String], directory: String) throws {
        let out = try SpawnedProcess.makePipe()
        let err: (read: Int32, write: Int32)
        do {
            err = try SpawnedProcess.makePipe()
        } catch {
            close(out.read)
            close(out.write)
            throw error
        }
        defer {
            close(out.write)
            close(err.write)
        }
        do {
            child = try SpawnedChild.start(
                argv, environment: environment.map { "\($0.key)=\($0.value)" }, workingDirectory: directory,
                stdout: out.write, stderr: err.write)
        } catch {
            close(out.read)
            close(err.read)
            throw error
        }
        standardOutput = FileHandle(fileDescriptor: out.read, closeOnDealloc: true)
        standardError = FileHandle(fileDescriptor: err.read, closeOnDealloc: true)
    }

    var processIdentifier: Int32 { child.pid }
    var isRunning: Bool { child.termination == nil }
    /// The exit status (or the signal's number); 0 while the child runs.
    var terminationStatus: Int32 { child.termination?.status ?? 0 }

    /// Reads stdout until what was read holds `text` or stdout ends, for at most `limit` seconds (checked between
    /// reads); returns what was read.
    func readOutput(until text: String, limit: Double = 60) -> Data {
        var seen = Data()
        let deadline = Date().addingTimeInterval(limit)
        while !String(decoding: seen, as: UTF8.self).contains(text), Date() < deadline {
            let chunk = standardOutput.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        return seen
    }

    /// Sends `signal` to the child unless it has been reaped.
    func signal(_ signal: Int32) {
        child.signal(signal)
    }

    /// Blocks until the child has ended.
    func waitUntilExit() {
        _ = child.waitUntilExit()
    }
}

/// A running `c8s run --local` whose standard output is read as it arrives.
final class LiveRun: @unchecked Sendable {
    let process: CLIChild
    private let lock = NSCondition()
    private var output = ""

    init(_ cli: CLIHarness, _ arguments: [String]) throws {
        process = try cli.start(arguments)
        let handle = process.standardOutput
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
        process.signal(SIGKILL)
        process.waitUntilExit()
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
