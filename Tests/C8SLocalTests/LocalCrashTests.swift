import C8SCore
import Foundation
import Testing

@testable import C8SLocal

/// `kill -9` of a real `c8s run --local` at several points, then what the next command sees: the run
/// `Interrupted`, the output the step wrote before the kill stored exactly once, no step process left, the
/// workspace gone, and `logs -f` ending.
@Suite("Local mode: a killed run", .serialized)
struct LocalCrashTests {
    /// Waits (bounded) until none of `pids` is alive: the steps die with c8s, asynchronously.
    static func waitUntilGone(_ pids: [Int32], limit: Double = 20) -> [Int32] {
        let deadline = Date().addingTimeInterval(limit)
        var alive = pids.filter(isAlive)
        while !alive.isEmpty, Date() < deadline {
            usleep(20_000)
            alive = alive.filter(isAlive)
        }
        return alive
    }

    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let fields = RunOwner.fields(ofStat: stat)
        else { return false }
        return fields.state != "Z"
    }

    static func pids(in path: String) -> [Int32] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int32($0) }
    }

    /// What every killed run must look like to the next command.
    static func expectRecovered(_ cli: CLIHarness, pids: [Int32]) throws -> RunRecord {
        #expect(waitUntilGone(pids).isEmpty, "step processes outlived c8s")
        let listing = try cli.run(["get", "runs", "--local"])
        #expect(listing.status == 0)
        #expect(listing.stdout.contains("Interrupted"), "\(listing.stdout)")
        let run = try #require(cli.runs.first)
        #expect(run.phase == .failed)
        #expect(run.reason == RunRecord.interrupted)
        #expect(run.steps.allSatisfy { $0.phase.isTerminal })
        let workspace = try #require(run.workspace)
        #expect(!FileManager.default.fileExists(atPath: workspace), "workspace \(workspace) left behind")
        // Nothing of the run's step logs is left unshipped.
        for step in run.steps {
            let cri = RunStore(directory: cli.directory.path).criDirectory(run: run.id, step: step.key).path
            #expect(!FileManager.default.fileExists(atPath: cri), "\(cri) not shipped")
        }
        return run
    }

    @Test func killedMidStepWithOutputPending() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        let pidFile = cli.directory.appendingPathComponent("pids").path
        try cli.write(
            """
            steps:
              - name: build
                commands:
                  - 'sleep 1000 & echo $! >> "$PIDS"'
                  - 'echo $$ >> "$PIDS"'
                  - 'for i in 1 2 3 4 5; do echo "line-$i"; done'
                  - 'sleep 1000'
              - name: after
                dependsOn: [build]
                commands: [echo never]
            """
        )
        let run = try LiveRun(cli, ["run", "--local", "--env", "PIDS=\(pidFile)"])
        #expect(run.wait(for: "line-5"))
        run.killHard()
        let record = try Self.expectRecovered(cli, pids: Self.pids(in: pidFile))
        #expect(record.steps.map(\.phase) == [.failed, .cancelled])
        #expect(record.steps[0].message?.contains("interrupted") == true)
        let logs = try cli.run(["logs", "--local", record.id, "build"])
        #expect(logs.stdout == "line-1\nline-2\nline-3\nline-4\nline-5\n", "\(logs.stdout)")
        // A follower of the interrupted step ends.
        let follow = try cli.run(["logs", "--local", record.id, "build", "-f"], limit: 30)
        #expect(follow.status == 0)
        #expect(follow.stdout == logs.stdout)
        let never = try cli.run(["logs", "--local", record.id, "after", "-f"], limit: 30)
        #expect(never.status == 0)
    }

    @Test func aFollowerEndsWhenTheRunIsKilledWhileItFollows() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        let pidFile = cli.directory.appendingPathComponent("pids").path
        try cli.write(
            """
            steps:
              - name: slow
                commands: ['echo $$ >> "$PIDS"', 'echo first', 'sleep 1000']
            """
        )
        let run = try LiveRun(cli, ["run", "--local", "--env", "PIDS=\(pidFile)"])
        #expect(run.wait(for: "first"))
        let id = try #require(cli.runs.first?.id)
        let follower = try LiveRun(cli, ["logs", "--local", id, "slow", "-f"])
        #expect(follower.wait(for: "first"))
        run.killHard()
        let ended = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            follower.process.waitUntilExit()
            ended.signal()
        }
        #expect(ended.wait(timeout: .now() + 30) == .success, "logs -f kept following a dead run")
        if follower.process.isRunning { follower.killHard() }
        #expect(follower.process.terminationStatus == 0)
        let record = try Self.expectRecovered(cli, pids: Self.pids(in: pidFile))
        let logs = try cli.run(["logs", "--local", record.id, "slow"])
        #expect(logs.stdout == "first\n")
    }

    @Test func killedWhileStartingManySteps() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        let pidFile = cli.directory.appendingPathComponent("pids").path
        let steps = (0..<300).map {
            "  - name: s\($0)\n    commands: ['echo $$ >> \"$PIDS\"', 'echo up-\($0)', 'sleep 1000']"
        }
        try cli.write("steps:\n" + steps.joined(separator: "\n") + "\n")
        let run = try LiveRun(cli, ["run", "--local", "--parallel", "300", "--env", "PIDS=\(pidFile)"])
        #expect(run.wait(for: "started", count: 20))
        run.killHard()
        let record = try Self.expectRecovered(cli, pids: Self.pids(in: pidFile))
        // Steps that started failed as interrupted; the rest never ran.
        #expect(record.steps.allSatisfy { $0.phase == .failed || $0.phase == .cancelled })
        #expect(record.steps.contains { $0.phase == .failed })
        for step in record.steps where step.phase == .failed {
            let logs = try cli.run(["logs", "--local", record.id, step.key])
            let expected = "up-\(step.key.dropFirst())\n"
            #expect(logs.stdout.isEmpty || logs.stdout == expected, "\(step.key): \(logs.stdout)")
        }
    }

    @Test func killedBetweenSteps() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        let pidFile = cli.directory.appendingPathComponent("pids").path
        try cli.write(
            """
            steps:
              - name: first
                commands: ['for i in 1 2 3; do echo "first-$i"; done']
              - name: second
                dependsOn: [first]
                commands: ['echo $$ >> "$PIDS"', 'sleep 1000']
            """
        )
        let run = try LiveRun(cli, ["run", "--local", "--env", "PIDS=\(pidFile)"])
        #expect(run.wait(for: "succeeded (exit code 0)"))
        run.killHard()
        let record = try Self.expectRecovered(cli, pids: Self.pids(in: pidFile))
        let logs = try cli.run(["logs", "--local", record.id, "first"])
        #expect(logs.stdout == "first-1\nfirst-2\nfirst-3\n")
    }

    /// Kill points spread over a step that writes numbered lines fast: what is stored is the numbered lines from the
    /// first on, each once, none missing in between.
    @Test(arguments: [150, 400, 900, 1500])
    func killedAtAnyPointStoresEachLineOnce(delayMilliseconds: Int) throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        let pidFile = cli.directory.appendingPathComponent("pids").path
        try cli.write(
            """
            steps:
              - name: count
                commands: ['echo $$ >> "$PIDS"', 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); echo "n-$i"; done']
            """
        )
        let run = try LiveRun(cli, ["run", "--local", "--env", "PIDS=\(pidFile)"])
        #expect(run.wait(for: "started"))
        usleep(useconds_t(delayMilliseconds * 1000))
        run.killHard()
        #expect(Self.waitUntilGone(Self.pids(in: pidFile)).isEmpty)
        let listing = try cli.run(["get", "runs", "--local"])
        let record = try #require(cli.runs.first)
        if record.phase == .succeeded { return }  // finished before the kill: nothing to recover
        #expect(listing.stdout.contains("Interrupted"))
        let logs = try cli.run(["logs", "--local", record.id, "count"])
        let lines = logs.stdout.split(separator: "\n")
        for (index, line) in lines.enumerated() where line != "n-\(index + 1)" {
            Issue.record("line \(index + 1) is \(line)")
            break
        }
    }

    /// SIGTERM (and SIGINT) while a 1 000-step pipeline is being started: the run ends cancelled, every step that
    /// started is stopped, the rest are cancelled without starting.
    @Test(arguments: [SIGTERM, SIGINT])
    func aSignalWhileAThousandStepsStartCancelsTheRun(signal: Int32) throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        let pidFile = cli.directory.appendingPathComponent("pids").path
        let steps = (0..<1000).map { "  - name: s\($0)\n    commands: ['echo $$ >> \"$PIDS\"', 'sleep 1000']" }
        try cli.write("steps:\n" + steps.joined(separator: "\n") + "\n")
        let run = try LiveRun(cli, ["run", "--local", "--parallel", "1000", "--env", "PIDS=\(pidFile)"])
        #expect(run.wait(for: "started", count: 10))
        kill(run.process.processIdentifier, signal)
        let ended = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            run.process.waitUntilExit()
            ended.signal()
        }
        #expect(ended.wait(timeout: .now() + 120) == .success, "c8s did not end after the signal")
        if run.process.isRunning { run.killHard() }
        #expect(run.process.terminationStatus == 130)
        #expect(Self.waitUntilGone(Self.pids(in: pidFile)).isEmpty)
        let record = try #require(cli.runs.first)
        #expect(record.phase == .cancelled)
        #expect(record.steps.allSatisfy { $0.phase == .cancelled })
        #expect(record.steps.filter { $0.startTime != nil }.count < 1000)
    }
}
