import C8STestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `TestChildProcess` against `/bin/sh` children: output in order, line waits with deadlines, signals, exit status.
@Suite(.timeLimit(.minutes(2))) struct TestChildProcessTests {
    static func shell(_ script: String, _ arguments: String...) throws -> TestChildProcess {
        try TestChildProcess.start(executable: "/bin/sh", arguments: ["-c", script, "sh"] + arguments)
    }

    @Test func linesArriveInOrderOnTheirStreams() async throws {
        let child = try Self.shell(
            #"i=1; while [ $i -le 500 ]; do echo "line $i"; i=$((i+1)); done; echo oops >&2; printf tail"#)
        let stream = child.lines()
        #expect(try await child.waitForExit(limit: .seconds(30)) == .exited(0))
        let expected = (1...500).map { "line \($0)" } + ["tail"]
        #expect(child.capturedLines.filter { $0.stream == .stdout }.map(\.text) == expected)
        #expect(child.standardOutput == expected.joined(separator: "\n"), "the last line has no newline")
        #expect(child.standardError == "oops\n")
        var streamed: [String] = []
        for await line in stream where line.stream == .stdout { streamed.append(line.text) }
        #expect(streamed == expected)
        // A stream asked for after the end replays everything and finishes.
        var replayed = 0
        for await _ in child.lines() { replayed += 1 }
        #expect(replayed == 502)
    }

    @Test func environmentAndWorkingDirectory() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("c8s-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let child = try TestChildProcess.start(
            executable: "/bin/sh", arguments: ["-c", "pwd; echo \"$C8S_CHILD\"; exit 4"],
            environment: ["C8S_CHILD": "value 1", "PATH": "/usr/bin:/bin"], workingDirectory: directory.path)
        #expect(try await child.waitForExit(limit: .seconds(30)) == .exited(4))
        let lines = child.capturedLines.map(\.text)
        #expect(lines.count == 2)
        #expect(
            lines.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
                == directory.resolvingSymlinksInPath().path)
        #expect(lines.last == "value 1")
    }

    @Test func waitingForALineHasADeadline() async throws {
        try await withTestChildProcess(
            executable: "/bin/sh", arguments: ["-c", "echo starting; echo 'http.port=4711' >&2; exec sleep 60"]
        ) { child in
            let port = try await child.waitForMatch(#"http\.port=\d+"#, within: .seconds(30))
            #expect(port == "http.port=4711")
            let line = try await child.waitForLine(containing: "starting", within: .seconds(30))
            #expect(line == TestChildProcess.Line(stream: .stdout, text: "starting"))

            let start = ContinuousClock.now
            await #expect(throws: TestChildProcessError.self) {
                try await child.waitForLine(containing: "never", within: .milliseconds(300))
            }
            #expect(ContinuousClock.now - start < .seconds(20))
            await #expect(throws: TestChildProcessError.self) {
                try await child.waitForExit(limit: .milliseconds(200))
            }
            #expect(!child.hasExited)
        }
    }

    @Test func aLineThatCannotComeFailsWhenTheOutputEnds() async throws {
        let child = try Self.shell("echo only")
        let start = ContinuousClock.now
        let error = await #expect(throws: TestChildProcessError.self) {
            try await child.waitForLine(containing: "missing", within: .seconds(60))
        }
        #expect(ContinuousClock.now - start < .seconds(30), "fails at the end of output, not at the deadline")
        #expect(error?.description.contains("only") == true, "the error shows the output")
        #expect(try await child.waitForExit(limit: .seconds(30)) == .exited(0))
    }

    @Test func sigtermEndsTheChildWithTheRightStatus() async throws {
        let plain = try TestChildProcess.start(executable: "/bin/sleep", arguments: ["60"])
        plain.signal(SIGTERM)
        #expect(try await plain.waitForExit(limit: .seconds(30)) == .signalled(SIGTERM))

        let handling = try Self.shell(
            #"trap 'kill $p; echo bye; exit 3' TERM; sleep 60 >/dev/null 2>&1 & p=$!; echo armed; wait $p"#)
        try await handling.waitForLine(containing: "armed", within: .seconds(30))
        handling.signal(SIGTERM)
        #expect(try await handling.waitForExit(limit: .seconds(30)) == .exited(3))
        #expect(handling.standardOutput == "armed\nbye\n")

        let killed = try TestChildProcess.start(executable: "/bin/sleep", arguments: ["60"])
        killed.signal(SIGKILL)
        #expect(try await killed.waitForExit(limit: .seconds(30)) == .signalled(SIGKILL))
        killed.signal(SIGTERM)  // after the exit: nothing to signal, no effect
    }

    @Test func fiftyConcurrentShortChildren() async throws {
        let results = try await withThrowingTaskGroup(of: (Int, TestChildProcess.Termination, String, String).self) {
            group in
            for index in 0..<50 {
                group.addTask {
                    let child = try Self.shell(
                        #"echo "out $1"; echo "err $1" >&2; echo "more $1"; exit $(( $1 % 7 ))"#, "\(index)")
                    let termination = try await child.waitForExit(limit: .seconds(60))
                    return (index, termination, child.standardOutput, child.standardError)
                }
            }
            var results: [(Int, TestChildProcess.Termination, String, String)] = []
            for try await result in group { results.append(result) }
            return results
        }
        #expect(results.count == 50)
        for (index, termination, stdout, stderr) in results {
            #expect(termination == .exited(Int32(index % 7)))
            #expect(stdout == "out \(index)\nmore \(index)\n")
            #expect(stderr == "err \(index)\n")
        }
    }

    @Test func aMissingExecutableIsAClearError() throws {
        let error = #expect(throws: TestChildProcessError.self) {
            try TestChildProcess.start(executable: "/nonexistent/c8s-nothing")
        }
        #expect(error?.description.contains("/nonexistent/c8s-nothing") == true)
    }
}
