import C8STestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `ChildProcess.run` returns a child's exit and output, feeds its stdin, enforces its time limit and leaves the
/// concurrency pool free while children run.
@Suite struct ChildProcessTests {
    @Test func returnsExitCodeAndBothOutputs() async throws {
        let result = try await ChildProcess.run("sh", ["-c", "printf 'to out'; printf 'to err' >&2; exit 3"])
        #expect(result.termination == .exited(3))
        #expect(result.exitCode == 3)
        #expect(!result.succeeded)
        #expect(!result.timedOut)
        #expect(result.outputText == "to out")
        #expect(result.errorText == "to err")
    }

    @Test func feedsStandardInputLargerThanAPipe() async throws {
        // 1 MiB through `cat`: input and output must be pumped at the same time or both pipes fill up.
        let input = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) })
        let result = try await ChildProcess.run("cat", standardInput: input)
        #expect(result.succeeded)
        #expect(result.standardOutput == input)
        #expect(result.standardError.isEmpty)
    }

    @Test func withoutInputStandardInputIsEmpty() async throws {
        let result = try await ChildProcess.run("wc", ["-c"])
        #expect(result.succeeded)
        #expect(result.outputText.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test func usesEnvironmentAndWorkingDirectory() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await ChildProcess.run(
            "/bin/sh", ["-c", "printf '%s|%s|%s' \"$C8S_CHILD\" \"${HOME:-unset}\" \"$(pwd -P)\""],
            environment: ["C8S_CHILD": "value with spaces", "PATH": "/usr/bin:/bin"],
            workingDirectory: directory.path)
        #expect(result.succeeded, "\(result.errorText)")
        let real = URL(fileURLWithPath: directory.path).resolvingSymlinksInPath().path
        #expect(result.outputText == "value with spaces|unset|\(real)")
    }

    @Test func timeLimitKillsTheWholeProcessGroup() async throws {
        // The background `sleep` keeps stdout open: only killing the group ends the run.
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await ChildProcess.run(
            "sh", ["-c", "echo started; sleep 60 & wait"], timeLimit: .milliseconds(300))
        let elapsed = clock.now - start
        #expect(result.timedOut)
        #expect(result.termination == .signalled(SIGKILL))
        #expect(result.outputText == "started\n")
        #expect(elapsed >= .milliseconds(300))
        #expect(elapsed < .seconds(20), "the run took \(elapsed) after a 300 ms limit")
    }

    @Test func finishingWithinTheTimeLimitIsNotATimeout() async throws {
        let result = try await ChildProcess.run("sh", ["-c", "echo quick"], timeLimit: .seconds(60))
        #expect(result.succeeded)
        #expect(!result.timedOut)
        #expect(result.outputText == "quick\n")
    }

    @Test func cancellingTheCallerKillsTheChild() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try await withThrowingTaskGroup(of: ChildProcessResult.self) { group in
            group.addTask { try await ChildProcess.run("sleep", ["60"]) }
            group.cancelAll()
            return try #require(try await group.next())
        }
        #expect(result.termination == .signalled(SIGKILL))
        #expect(!result.timedOut)
        #expect(clock.now - start < .seconds(20))
    }

    @Test func runsOnACallersOwnThread() async throws {
        let result = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<ChildProcessResult, any Error>) in
            Thread {
                continuation.resume(
                    with: Result {
                        try ChildProcess.runOnCurrentThread(
                            "sh", ["-c", "cat; echo done >&2; exit 4"], standardInput: Data("from stdin".utf8))
                    })
            }.start()
        }
        #expect(result.termination == .exited(4))
        #expect(result.outputText == "from stdin")
        #expect(result.errorText == "done\n")
    }

    @Test func theChildInheritsNoOtherDescriptor() async throws {
        // A descriptor without close-on-exec, like a script file another test is still writing.
        let opened = open("/dev/null", O_RDONLY)
        try #require(opened >= 0)
        let fd = fcntl(opened, F_DUPFD, 300)
        close(opened)
        try #require(fd >= 300)
        defer { close(fd) }
        let result = try await ChildProcess.run(
            "sh", ["-c", "if [ -e /proc/self/fd/\(fd) ]; then echo inherited; else echo closed; fi"])
        #expect(result.outputText == "closed\n")
    }

    @Test func unknownExecutableThrowsNamingIt() async throws {
        let error = try await #require(throws: ChildProcessError.self) {
            try await ChildProcess.run("c8s-no-such-tool-\(UUID().uuidString.prefix(8))")
        }
        #expect(error.message.contains("cannot start c8s-no-such-tool-"))
    }

    @Test func concurrentRunsLeaveTheConcurrencyPoolFree() async throws {
        // 32 children of 5 s each. Waiting for them on cooperative threads (2 on this machine) would run them two
        // at a time and hold up a 50 ms ticker for over a minute; waiting off the pool, all of them run at once (each
        // prints when it started and ended: the last start is before the first end) and the ticker keeps ticking.
        let children = 32
        let clock = ContinuousClock()
        let start = clock.now
        let (worstLateness, outputs) = try await withThrowingTaskGroup(of: (Duration?, String?).self) { group in
            for _ in 0..<children {
                group.addTask {
                    let result = try await ChildProcess.run("sh", ["-c", "date +%s.%N; sleep 5; date +%s.%N"])
                    return (nil, result.succeeded ? result.outputText : "failed: \(result.termination)")
                }
            }
            group.addTask {
                var worst = Duration.zero
                var deadline = start
                while clock.now - start < .seconds(4) {
                    deadline += .milliseconds(50)
                    try await clock.sleep(until: deadline)
                    worst = max(worst, clock.now - deadline)
                }
                return (worst, nil)
            }
            var worst: Duration?
            var outputs: [String] = []
            for try await (lateness, output) in group {
                if let lateness { worst = lateness }
                if let output { outputs.append(output) }
            }
            return (worst, outputs)
        }
        let times = outputs.map { $0.split(separator: "\n").compactMap { Double($0) } }
        #expect(times.count == children && times.allSatisfy { $0.count == 2 }, "\(outputs)")
        let lastStart = try #require(times.compactMap(\.first).max())
        let firstEnd = try #require(times.compactMap(\.last).min())
        #expect(
            lastStart < firstEnd,
            "the children did not all run at once (last start \(lastStart), first end \(firstEnd))")
        let lateness = try #require(worstLateness)
        // The ticker, added after the 32 children, shares the pool with the rest of the suite (seconds of lateness
        // on a loaded machine); children waited for on the pool would hold it for 16 rounds of 5 s first.
        #expect(lateness < .seconds(20), "the 50 ms ticker was up to \(lateness) late while children ran")
    }
}
