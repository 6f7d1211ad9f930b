import C8SCore
import C8STestSupport
import Foundation
import Testing

@testable import C8SLocal

/// Local mode as a person uses it daily: the working tree, choosing steps, listing runs, the summary, colors and
/// the command line's errors.
@Suite("Local mode: daily use")
struct LocalDailyUseTests {
    /// Makes `cli.directory` a git repository with everything in it committed.
    static func commitAll(_ cli: CLIHarness) throws {
        let git = try ChildProcess.runOnCurrentThread(
            "/bin/sh",
            ["-c", "git init -q && git add -A && git -c user.email=t@example.com -c user.name=t commit -qm initial"],
            workingDirectory: cli.directory.path)
        try #require(git.succeeded, "\(git.errorText)")
    }

    @Test func theWorkspaceIsTheWorkingTreeUnlessCleanAsksForHEAD() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write("steps:\n  - name: look\n    commands: ['echo $(LC_ALL=C ls -a)', 'cat tracked.txt']\n")
        try cli.write("committed\n", to: "tracked.txt")
        try cli.write("gone\n", to: "deleted.txt")
        try cli.write("*.log\n", to: ".gitignore")
        try Self.commitAll(cli)
        // Clean working tree: no message about uncommitted changes.
        let clean = try cli.run(["run", "--local"])
        #expect(clean.status == 0, "\(clean.stdout)")
        #expect(!clean.stdout.contains("uncommitted"), "\(clean.stdout)")
        #expect(clean.stdout.contains("workspace: the git working tree of"))
        // Uncommitted changes are included, ignored files are not.
        try cli.write("changed\n", to: "tracked.txt")
        try cli.write("new\n", to: "untracked.txt")
        try cli.write("noise\n", to: "build.log")
        try FileManager.default.removeItem(at: cli.directory.appendingPathComponent("deleted.txt"))
        let dirty = try cli.run(["run", "--local"])
        #expect(dirty.status == 0, "\(dirty.stdout)")
        #expect(dirty.stdout.contains("with uncommitted changes (--clean runs HEAD only)"))
        let listing = "look | . .. .c8s.yaml .gitignore tracked.txt untracked.txt\n"
        #expect(dirty.stdout.contains(listing), "\(dirty.stdout)")
        #expect(dirty.stdout.contains("look | changed"))
        // --clean: HEAD only, and it says what is left out.
        let head = try cli.run(["run", "--local", "--clean"])
        #expect(head.status == 0, "\(head.stdout)")
        #expect(head.stdout.contains("uncommitted changes are not included"))
        #expect(head.stdout.contains("look | . .. .c8s.yaml .gitignore deleted.txt tracked.txt\n"), "\(head.stdout)")
        #expect(head.stdout.contains("look | committed"))
    }

    static let chain = """
        steps:
          - name: a
            commands: [echo a]
          - name: b
            dependsOn: [a]
            commands: ['test -e "$MARK" || exit 1', echo b]
          - name: c
            dependsOn: [b]
            commands: [echo c]
          - name: other
            commands: [echo other]
        """

    @Test(arguments: [
        (["--step", "b"], ["a", "b"]),
        (["--only", "b"], ["b"]),
        (["--only", "c", "--step", "a"], ["a", "c"]),
        ([String](), ["a", "b", "c", "other"]),
    ])
    func stepAndOnlyChooseTheSteps(flags: [String], steps: [String]) throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(Self.chain)
        let mark = cli.directory.appendingPathComponent("mark").path
        try cli.write("", to: "mark")
        let result = try cli.run(["run", "--local", "--env", "MARK=\(mark)"] + flags)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let run = try #require(cli.runs.first)
        #expect(run.steps.map(\.key) == steps)
        #expect(run.steps.allSatisfy { $0.phase == .succeeded })
    }

    @Test func rerunFailedRunsWhatDidNotSucceed() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(Self.chain)
        let mark = cli.directory.appendingPathComponent("mark").path
        let first = try cli.run(["run", "--local", "--env", "MARK=\(mark)"])
        #expect(first.status == 1)
        let failed = try #require(cli.runs.first)
        #expect(failed.steps.map(\.phase) == [.succeeded, .failed, .skipped, .succeeded])
        try cli.write("", to: "mark")
        let again = try cli.run(["run", "--local", "--env", "MARK=\(mark)", "--rerun-failed", failed.id])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        let rerun = try #require(cli.runs.first { $0.id != failed.id })
        #expect(rerun.id != failed.id)
        #expect(rerun.steps.map(\.key) == ["b", "c"])
        let nothing = try cli.run(["run", "--local", "--rerun-failed", rerun.id])
        #expect(nothing.status == 2)
        #expect(nothing.stderr.contains("nothing to run again"))
        let unknown = try cli.run(["run", "--local", "--step", "nope"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("--step nope: the pipeline has no step \"nope\""))
    }

    @Test func getRunsListsOldestFirstWithAgeAndDurationAndAsJSONOrYAML() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write("steps:\n  - name: a\n    commands: ['sleep 1']\n")
        for _ in 0..<2 { #expect(try cli.run(["run", "--local"]).status == 0) }
        let runs = cli.runs
        try #require(runs.count == 2)
        let table = try cli.run(["get", "runs", "--local"])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(
            lines.first?.split(separator: " ", omittingEmptySubsequences: true)
                == ["RUN", "STATUS", "STEPS", "AGE", "DURATION", "FILE"])
        #expect(lines.dropFirst().map { String($0.prefix(20)) } == runs.map(\.id))
        for line in lines.dropFirst() {
            let cells = line.split(separator: " ", omittingEmptySubsequences: true)
            #expect(cells[1] == "Succeeded" && cells[2] == "1/1")
            #expect(cells[3].hasSuffix("s") && cells[4].hasSuffix("s"), "\(line)")
        }
        let json = try cli.run(["get", "runs", "--local", "-o", "json"])
        #expect(json.status == 0)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let decoded = try decoder.decode([RunRecord].self, from: Data(json.stdout.utf8))
        #expect(decoded.map(\.id) == runs.map(\.id))
        let yaml = try cli.run(["get", "runs", "--local", "-o", "yaml"])
        #expect(yaml.status == 0)
        #expect(yaml.stdout.contains("- combinations:"))
        #expect(yaml.stdout.contains("  id: \"\(runs[0].id)\""))
        let one = try cli.run(["get", "runs", "--local", runs[1].id, "-o", "json"])
        #expect(try decoder.decode([RunRecord].self, from: Data(one.stdout.utf8)).map(\.id) == [runs[1].id])
    }

    @Test func theSummaryShowsAllowedFailuresAndArtifacts() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(
            """
            steps:
              - name: flaky
                allowFailure: true
                commands: [exit 3]
              - name: make
                commands: [mkdir -p out, echo x > out/report.txt]
                artifacts: [out/report.txt]
            """)
        let result = try cli.run(["run", "--local"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("flaky  Failed (allowed)  3"), "\(result.stdout)")
        #expect(result.stdout.contains("artifacts (in .c8s/runs/"))
        #expect(result.stdout.contains("  make: out/report.txt"))
    }

    @Test(arguments: [
        ("auto", [String: String](), true, true),
        ("auto", [:], false, false),
        ("auto", ["NO_COLOR": "1"], true, false),
        ("auto", ["NO_COLOR": ""], true, true),
        ("auto", ["TERM": "dumb"], true, false),
        ("always", ["NO_COLOR": "1", "TERM": "dumb"], false, true),
        ("never", [:], true, false),
    ])
    func colorFollowsTheFlagNoColorAndTerm(mode: String, environment: [String: String], terminal: Bool, color: Bool)
        throws
    {
        #expect(try LocalRunConfiguration.colorEnabled(mode, environment: environment, isTerminal: terminal) == color)
    }

    @Test func colorAlwaysColorsAPipe() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write("steps:\n  - name: a\n    commands: [echo hi]\n")
        #expect(try cli.run(["run", "--local", "--color", "always"]).stdout.contains("\u{1B}["))
        #expect(!(try cli.run(["run", "--local"]).stdout.contains("\u{1B}[")))
        let bad = try cli.run(["run", "--local", "--color", "sometimes"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--color expects auto, always or never"))
    }

    @Test func commandLineErrorsNameTheExpectedForm() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write("steps:\n  - name: a\n    commands: [echo hi]\n")
        let unknown = try cli.run(["run", "--local", "--no-such-flag"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("Unknown option '--no-such-flag'"), "\(unknown.stderr)")
        let cases: [([String], String)] = [
            (["--env", "JUSTANAME"], "--env expects NAME=VALUE (e.g. --env DEBUG=1), got \"JUSTANAME\""),
            (["--matrix", "linux"], "--matrix expects AXIS=VALUE[,AXIS=VALUE...] (e.g. --matrix os=linux,arch=arm64)"),
            (["--secret", "token"], "--secret expects NAME.KEY"),
            (["--parallel", "0"], "--parallel must be at least 1"),
        ]
        for (flags, message) in cases {
            let result = try cli.run(["run", "--local"] + flags)
            #expect(result.status == 2, "\(flags)")
            #expect(result.stderr.contains(message), "\(flags): \(result.stderr)")
        }
    }

    @Test func logsFollowWithoutAStepFollowsTheWholeRunPrefixed() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(
            """
            steps:
              - name: first
                commands: ['for i in 1 2 3; do echo "first $i"; sleep 0.3; done']
              - name: second-step
                dependsOn: [first]
                commands: ['for i in 1 2 3; do echo "second $i"; sleep 0.3; done']
            """)
        let runner = try LiveRun(cli, ["run", "--local"])
        #expect(runner.wait(for: "first 1"))
        let id = try #require(cli.runs.first?.id)
        let follow = try cli.run(["logs", "--local", id, "-f"], limit: 60)
        runner.process.waitUntilExit()
        #expect(follow.status == 0, "\(follow.stderr)")
        #expect(
            follow.stdout
                == (1...3).map { "first       | first \($0)\n" }.joined()
                + (1...3).map { "second-step | second \($0)\n" }.joined(), "\(follow.stdout)")
    }
}
