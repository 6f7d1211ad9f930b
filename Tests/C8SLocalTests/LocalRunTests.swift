import C8SCore
import Foundation
import Testing

@testable import C8SLocal

@Suite struct LocalRunTests {
    @Test func diamondBranchesOverlapAndTheJoinWaits() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write("hello\n", to: "input.txt")
        try cli.write(
            """
            steps:
              - name: first
                commands: ["cat input.txt", "echo from-first > made-by-first.txt"]
              - name: left
                dependsOn: [first]
                commands: ["test ! -e made-by-first.txt", "sleep 2", "echo left done"]
              - name: right
                dependsOn: [first]
                commands: ["sleep 2", "echo right done"]
              - name: join
                dependsOn: [left, right]
                commands: ["echo joined"]
            """
        )
        let result = try cli.run(["run", "--local"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("first | hello"))
        #expect(result.stdout.contains("join  | joined"))
        #expect(!result.stdout.contains("\u{1B}["))  // not a terminal: no colors
        let run = try #require(cli.runs.first)
        #expect(run.phase == .succeeded)
        let steps = Dictionary(uniqueKeysWithValues: run.steps.map { ($0.key, $0) })
        let left = try #require(steps["left"])
        let right = try #require(steps["right"])
        let first = try #require(steps["first"])
        let join = try #require(steps["join"])
        // The two branches overlap in time…
        #expect(try #require(left.startTime) < #require(right.endTime))
        #expect(try #require(right.startTime) < #require(left.endTime))
        // …start only after their dependency, and the join starts after both.
        #expect(try #require(left.startTime) >= #require(first.endTime))
        #expect(try #require(join.startTime) >= #require(left.endTime))
        #expect(try #require(join.startTime) >= #require(right.endTime))
        #expect(run.steps.allSatisfy { $0.phase == .succeeded && $0.exitCode == 0 })
        // The summary table.
        #expect(result.stdout.contains("STEP   STATUS     EXIT  DURATION"))
        // Logs are readable later.
        let logs = try cli.run(["logs", "--local", run.id, "left"])
        #expect(logs.status == 0)
        #expect(logs.stdout == "left done\n")
        let listing = try cli.run(["get", "runs", "--local"])
        #expect(listing.stdout.contains(run.id))
        #expect(listing.stdout.contains("Succeeded"))
    }

    @Test func aFailingStepSkipsItsDependentsAndFailsTheRun() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(
            """
            steps:
              - name: breaks
                commands: ["echo about to fail", "exit 3", "echo never printed"]
              - name: after
                dependsOn: [breaks]
                commands: ["echo should not run"]
              - name: independent
                commands: ["sleep 0.3", "echo independent finished"]
              - name: tolerated
                allowFailure: true
                commands: ["exit 4"]
              - name: after-tolerated
                dependsOn: [tolerated]
                commands: ["echo ran after an allowed failure"]
            """
        )
        let result = try cli.run(["run", "--local"])
        #expect(result.status == 1)
        #expect(!result.stdout.contains("never printed"))
        #expect(!result.stdout.contains("should not run"))
        #expect(result.stdout.contains("independent finished"))
        #expect(result.stdout.contains("ran after an allowed failure"))
        let run = try #require(cli.runs.first)
        #expect(run.phase == .failed)
        let phases = Dictionary(uniqueKeysWithValues: run.steps.map { ($0.key, ($0.phase, $0.exitCode)) })
        #expect(phases["breaks"]?.0 == .failed)
        #expect(phases["breaks"]?.1 == 3)
        #expect(phases["after"]?.0 == .skipped)
        #expect(phases["independent"]?.0 == .succeeded)
        #expect(phases["tolerated"]?.0 == .failed)
        #expect(phases["after-tolerated"]?.0 == .succeeded)
    }

    @Test func aTimeoutKillsAStepThatIgnoresSIGTERM() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        let pidFile = cli.directory.appendingPathComponent("step.pid").path
        try cli.write(
            """
            steps:
              - name: stubborn
                timeout: 1s
                commands: ['echo $$ > "$PID_FILE"', 'trap "" TERM', 'sleep 1000']
              - name: next
                dependsOn: [stubborn]
                commands: [echo next]
            """
        )
        let result = try cli.run(["run", "--local", "--env", "PID_FILE=\(pidFile)"], limit: 60)
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("timed out after 1s"))
        let run = try #require(cli.runs.first)
        let stubborn = try #require(run.steps.first { $0.key == "stubborn" })
        #expect(stubborn.phase == .failed)
        #expect(stubborn.exitCode == 128 + SIGKILL)
        #expect(stubborn.message == "timed out after 1s")
        #expect(run.steps.first { $0.key == "next" }?.phase == .skipped)
        // The whole process group is gone, `sleep` included.
        let pid = try #require(
            Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(liveProcesses(inGroup: pid).isEmpty)
    }

    @Test func theRunTimeoutStopsRunningStepsAndSkipsTheRest() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(
            """
            timeout: 1s
            steps:
              - name: slow
                commands: [sleep 1000]
              - name: after
                dependsOn: [slow]
                commands: [echo after]
              - name: only-on-release
                when: {branches: ["release/*"]}
                commands: [echo release]
            """
        )
        let result = try cli.run(["run", "--local", "--branch", "main"], limit: 60)
        #expect(result.status == 1)
        let run = try #require(cli.runs.first)
        #expect(run.phase == .failed)
        #expect(run.steps.map(\.phase) == [.failed, .skipped, .skipped])
        #expect(run.steps[0].message == "stopped: the run timed out")
        #expect(run.steps[1].message == "skipped: the run timed out")
        #expect(run.steps[2].message == "skipped: its `when` condition does not hold")
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalCancelsTheRunAndKillsItsSteps(signal: Int32) throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        let pidFile = cli.directory.appendingPathComponent("step.pid").path
        try cli.write(
            """
            steps:
              - name: long
                commands: ['echo $$ > "$PID_FILE"', 'echo started-long', 'sleep 1000']
              - name: later
                dependsOn: [long]
                commands: [echo later]
            """
        )
        let process = try cli.start(["run", "--local", "--env", "PID_FILE=\(pidFile)"])
        let out = process.standardOutput
        // Wait (bounded) until the step reports that it runs.
        let seen = process.readOutput(until: "started-long")
        #expect(String(decoding: seen, as: UTF8.self).contains("started-long"))
        kill(process.processIdentifier, signal)
        let rest = out.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(String(decoding: rest, as: UTF8.self).contains("Cancelled"))
        let run = try #require(cli.runs.first)
        #expect(run.phase == .cancelled)
        #expect(run.steps.map(\.phase) == [.cancelled, .cancelled])
        let pid = try #require(
            Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(liveProcesses(inGroup: pid).isEmpty)
    }

    @Test func secretsAndEnvironmentReachTheStepButSecretValuesAreMasked() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        let secret = "s3cr3t-Value-\(UUID().uuidString.prefix(8))"
        try cli.write(
            """
            env: {FROM_PIPELINE: pipeline-value}
            steps:
              - name: uses-secret
                env: {FROM_STEP: step-value}
                secrets: [{name: codecov, key: token, env: TOKEN}]
                commands:
                  - test "$TOKEN" = "\(secret)"
                  - echo "token=$TOKEN"
                  - echo "pipeline=$FROM_PIPELINE step=$FROM_STEP cli=$FROM_CLI ci=$CI" >&2
                  - echo "$TOKEN" > leaked.txt
                artifacts: [leaked.txt]
              - name: needs-missing
                secrets: [{name: other, key: password, env: PASSWORD}]
                commands: [echo should not run]
            """
        )
        let result = try cli.run(
            ["run", "--local", "--secret", "codecov.token", "--env", "FROM_CLI=cli-value"],
            environment: ["CODECOV_TOKEN": secret])
        #expect(result.status == 1)
        #expect(result.stdout.contains("token=***"))
        #expect(result.stdout.contains("pipeline=pipeline-value step=step-value cli=cli-value ci=true"))
        #expect(
            result.stdout.contains(
                "secret other.password is not given; pass --secret other.password (reads $OTHER_PASSWORD) or "
                    + "--secret-file other.password=PATH"))
        #expect(!result.stdout.contains("should not run"))
        let run = try #require(cli.runs.first)
        #expect(run.steps.first { $0.key == "uses-secret" }?.phase == .succeeded)
        #expect(run.steps.first { $0.key == "needs-missing" }?.phase == .failed)
        #expect(run.steps.first { $0.key == "needs-missing" }?.exitCode == nil)
        #expect(!result.stdout.contains(secret))
        #expect(!result.stderr.contains(secret))
        let recorded = cli.recordedText(excludingArtifacts: true)
        #expect(recorded.contains("token=***"))
        #expect(!recorded.contains(secret))
        // The artifact holding the secret is copied byte for byte, reported, and recorded as holding it.
        let artifact = RunStore(directory: cli.directory.path).stepDirectory(run: run.id, step: "uses-secret")
            .appendingPathComponent("artifacts/leaked.txt")
        #expect(try String(contentsOf: artifact, encoding: .utf8) == secret + "\n")
        #expect(result.stdout.contains("warning: artifact leaked.txt contains the value of secret codecov.token"))
        #expect(run.steps.first { $0.key == "uses-secret" }?.secretsInArtifacts == ["leaked.txt": ["codecov.token"]])
        let logs = try cli.run(["logs", "--local", run.id])
        #expect(logs.stdout.contains("uses-secret   | token=***"))
        #expect(!logs.stdout.contains(secret))
    }

    @Test func insideAGitRepositoryCleanGivesEachStepACheckoutOfHEAD() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(
            "steps:\n  - name: look\n"
                + "    commands: [\"cat committed.txt\", \"test ! -e uncommitted.txt\", \"touch made.txt\"]\n"
                + "  - name: again\n    commands: [\"test ! -e made.txt\"]\n")
        try cli.write("from HEAD\n", to: "committed.txt")
        try LocalDailyUseTests.commitAll(cli)
        try cli.write("not committed\n", to: "uncommitted.txt")
        let result = try cli.run(["run", "--local", "--clean"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("look  | from HEAD"))
        #expect(result.stdout.contains("workspace: git HEAD"))
    }

    @Test func artifactsAreCopiedIntoTheRecord() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(
            """
            steps:
              - name: make
                commands: ["mkdir -p out/sub", "echo one > out/one.txt", "echo two > out/sub/two.txt", \
            "echo x > other.log"]
                artifacts: ["out/*.txt", "other.log", "missing.bin"]
            """
        )
        let result = try cli.run(["run", "--local"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("artifact missing.bin: no file matches"))
        let run = try #require(cli.runs.first)
        #expect(run.steps.first?.artifacts == ["out/one.txt", "other.log"])
        let artifacts = RunStore(directory: cli.directory.path).stepDirectory(run: run.id, step: "make")
            .appendingPathComponent("artifacts")
        #expect(try String(contentsOf: artifacts.appendingPathComponent("out/one.txt"), encoding: .utf8) == "one\n")
        // The step worked in a copy: the source directory is untouched.
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("out").path))
    }

    @Test func matrixRunsEverySelectedCombination() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(
            """
            matrix: {v: ["1", "2"], os: [a, b]}
            steps:
              - name: show
                image: busybox:${{ matrix.v }}
                env: {OS: "${{ matrix.os }}"}
                commands: ["echo v=${{ matrix.v }} os=$OS"]
            """
        )
        let all = try cli.run(["run", "--local"])
        #expect(all.status == 0)
        #expect(all.stdout.contains("`image` is not used"))
        for line in ["v=1 os=a", "v=1 os=b", "v=2 os=a", "v=2 os=b"] {
            #expect(all.stdout.contains(line))
        }
        let some = try cli.run(["run", "--local", "--matrix", "v=2"])
        #expect(some.status == 0)
        #expect(some.stdout.contains("show[os=a,v=2]"))
        #expect(!some.stdout.contains("v=1 os="))
        let none = try cli.run(["run", "--local", "--matrix", "v=3"])
        #expect(none.status == 2)
        #expect(none.stderr.contains("selects no combination"))
    }

    @Test func validateExitCodes() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write("steps:\n  - name: ok\n    commands: [x]\n", to: "good.yaml")
        try cli.write("steps:\n  - name: Bad\n    commands: [x]\n    timeout: soon\n", to: "bad.yaml")
        let good = try cli.run(["validate", "good.yaml"])
        #expect(good.status == 0)
        #expect(good.stdout == "good.yaml: valid\n")
        let bad = try cli.run(["validate", "good.yaml", "bad.yaml"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("bad.yaml:2:11: steps[0].name: step name \"Bad\" is not a DNS-1123 label"))
        #expect(bad.stderr.contains("bad.yaml:4:14: steps[0].timeout: invalid duration \"soon\""))
        #expect(try cli.run(["validate", "bad.yaml", "missing.yaml"]).status == 2)
        #expect(try cli.run(["validate"]).status == 2)
        #expect(try cli.run(["run", "--local", "-f", "bad.yaml"]).status == 1)  // invalid file: 1, as validate
        #expect(try cli.run(["run", "--local", "-f", "missing.yaml"]).status == 2)
        #expect(try cli.run(["run", "--local", "--no-such-flag"]).status == 2)
    }

    /// Many short steps: `--parallel` bounds how many run at once, and each gets a fresh copy of the workspace
    /// (no step sees a file another step wrote).
    @Test func parallelBoundsManyShortStepsAndEachGetsAFreshWorkspace() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write("data\n", to: "input.txt")
        let steps = (0..<40).map {
            "  - name: s\($0)\n"
                + "    commands: ['test \"$(cat input.txt)\" = data', 'test ! -e own.txt', 'echo > own.txt']"
        }
        try cli.write("steps:\n" + steps.joined(separator: "\n") + "\n")
        let result = try cli.run(["run", "--local", "--parallel", "3"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let run = try #require(cli.runs.first)
        #expect(run.steps.allSatisfy { $0.phase == .succeeded && $0.startTime != nil && $0.endTime != nil })
        // The most steps between their start and end at any one time.
        var edges: [(time: Date, change: Int)] = []
        for step in run.steps {
            edges.append((step.startTime!, 1))
            edges.append((step.endTime!, -1))
        }
        edges.sort { (a: (time: Date, change: Int), b: (time: Date, change: Int)) -> Bool in
            a.time == b.time ? a.change < b.change : a.time < b.time
        }
        var running = 0
        var most = 0
        for edge in edges {
            running += edge.change
            most = max(most, running)
        }
        #expect(most <= 3)
    }
}
