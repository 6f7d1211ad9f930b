import C8STestSupport
import Foundation
import Synchronization
import Testing

@testable import C8SLogs

#if canImport(Glibc)
import Glibc
#endif

@Suite("Log tailer crash recovery")
struct TailCrashTests {
    /// The `c8s-logtail` executable built next to the test bundle.
    func executable() throws -> String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var candidates = [beside.appendingPathComponent("c8s-logtail").path]
        var dir = beside
        for _ in 0..<3 {
            candidates.append(dir.appendingPathComponent("c8s-logtail").path)
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(root.appendingPathComponent(".build/debug/c8s-logtail").path)
        let found = candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
        return try #require(found, "c8s-logtail is not built (run `swift build`); looked in \(candidates)")
    }

    /// Runs the tool and appends its output (standard output, then error) to `log`. The tool is killed (SIGKILL)
    /// once `timeLimit` has passed; returns how it ended. Its exit is awaited on a thread of its own, never by
    /// blocking a thread of the concurrency pool.
    func run(
        _ path: String, _ arguments: [String], log: FileHandle, timeLimit: Duration
    ) async throws -> ChildProcessResult.Termination {
        let result = try await ChildProcess.run(path, arguments, timeLimit: timeLimit)
        log.write(result.standardOutput + result.standardError)
        return result.termination
    }

    @Test func killedAtRandomPointsItLosesAndDuplicatesNothing() async throws {
        let tool = try executable()
        let temp = TailTempDirectory()
        defer { temp.remove() }
        let dir = temp.subdirectory("ns_pod_uid/step")
        let arguments = [
            "--directory", dir, "--checkpoint", temp.path + "/checkpoint", "--output", temp.path + "/output",
        ]
        // Rotated files are compressed like kubelet does, but not deleted: a loaded machine may keep the tailer
        // down for longer than kubelet's retention would allow, and only the tailer's losses should count.
        // Small files: many rotations, so restarts often list the directory while kubelet renames 0.log.
        let writer = TailTestWriter(directory: dir, rotateBytes: 128 * 1024, maxFiles: 10_000, gzip: true)
        let logPath = temp.path + "/tailer.log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try #require(FileHandle(forWritingAtPath: logPath))
        defer { try? log.close() }
        let stop = Mutex(false)
        let done = TailThreadDone()
        let thread = Thread {
            var i = 0
            while !stop.withLock({ $0 }) {
                for _ in 0..<50 {
                    let long = i % 997 == 0 ? String(repeating: "P", count: 20_000) : ""
                    writer.line("crash line \(i) \(long)", stream: i % 7 == 0 ? .stderr : .stdout)
                    i += 1
                }
                writer.flush()
                usleep(5000)
            }
            writer.close()
            done.signal()
        }
        thread.start()
        var kills = 0
        for _ in 0..<25 {
            let ended = try await run(tool, arguments, log: log, timeLimit: .milliseconds(Int.random(in: 20...250)))
            if case .signalled = ended { kills += 1 }
        }
        stop.withLock { $0 = true }
        await done.wait()
        #expect(kills >= 20, "the tailer exited on its own instead of being killed")
        #expect(writer.rotations >= 3)

        // a last run reads everything to the end and exits (killed if it takes more than two minutes)
        let final = try await run(tool, arguments + ["--finish"], log: log, timeLimit: .seconds(120))
        let exited = final == .exited(0)
        #expect(exited, "c8s-logtail --finish did not finish cleanly")
        let output = try String(contentsOfFile: temp.path + "/output", encoding: .utf8)
        let received = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { line in
            String(line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)[2])
        }
        let warnings =
            (try? String(contentsOfFile: logPath, encoding: .utf8))?.split(separator: "\n")
            .filter { $0.contains("warning") || $0.contains("error") }.prefix(5).joined(separator: "\n") ?? ""
        #expect(tailDifference(received, writer.written) == nil, "tailer warnings: \(warnings)")
        #expect(writer.written.count > 1000)
    }
}
