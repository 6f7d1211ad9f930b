import C8SCore
import Foundation
import Testing

@testable import C8SLocal

/// Local mode on the log pipeline: step output shipped as zstd chunks into `.c8s/logs`, read back by `c8s logs`.
@Suite struct LocalLogTests {
    /// The text of the CRI lines (`<timestamp> <stream> F <text>`) of one stream.
    static func texts(ofCRI text: String, stream: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count == 4, fields[1] == stream else { return nil }
            return String(fields[3])
        }
    }

    @Test func aStepLogInTheStoreDecompressesWithZstdToTheMaskedOutput() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        let secret = "zstd-Secret-\(UUID().uuidString.prefix(8))"
        try cli.write(
            """
            steps:
              - name: count
                secrets: [{name: app, key: key, env: KEY}]
                commands:
                  - 'i=1; while [ $i -le 500 ]; do echo "count line $i"; i=$((i+1)); done'
                  - echo "the key is $KEY" >&2
                  - printf 'no newline at the end'
            """
        )
        let result = try cli.run(["run", "--local", "--secret", "app.key=\(secret)"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let run = try #require(cli.runs.first)
        // stdout and stderr are separate pipes (as in a container): each stream keeps its order.
        let expected = (1...500).map { "count line \($0)" } + ["no newline at the end"]
        let chunks = cli.chunkPaths(run: run.id, step: "count")
        #expect(!chunks.isEmpty)
        let decompressed = try chunks.map(CLIHarness.decompress).joined()
        #expect(Self.texts(ofCRI: decompressed, stream: "stdout") == expected)
        #expect(Self.texts(ofCRI: decompressed, stream: "stderr") == ["the key is ***"])
        #expect(decompressed.contains(" stderr F the key is ***\n"))
        #expect(!decompressed.contains(secret))
        let container = cli.directory.appendingPathComponent(".c8s/logs/local/\(run.id)/count/step")
        #expect(FileManager.default.fileExists(atPath: container.appendingPathComponent("index.json").path))
        #expect(FileManager.default.fileExists(atPath: container.appendingPathComponent("complete.json").path))
        // Once stored, the step's CRI file and checkpoint are gone.
        let store = RunStore(directory: cli.directory.path)
        #expect(!FileManager.default.fileExists(atPath: store.criDirectory(run: run.id, step: "count").path))
        #expect(!FileManager.default.fileExists(atPath: store.checkpointPath(run: run.id, step: "count")))
        // The terminal showed the same (masked) lines.
        #expect(result.stdout.contains("count | count line 500\n"))
        #expect(result.stdout.contains("count | the key is ***\n"))
        #expect(!result.stdout.contains(secret))
        // `c8s logs` reads the whole log from the store.
        let logs = try cli.run(["logs", "--local", run.id, "count"])
        #expect(logs.status == 0)
        let lines = logs.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.filter { $0 != "the key is ***" } == expected + [""])
        #expect(lines.filter { $0 == "the key is ***" }.count == 1)
        #expect(lines.count == expected.count + 2)
    }

    @Test func logsTailAndTimestamps() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(
            """
            steps:
              - name: many
                commands: ['i=1; while [ $i -le 40 ]; do echo "many line $i"; i=$((i+1)); done']
              - name: other
                commands: [echo other one, echo other two]
            """
        )
        let result = try cli.run(["run", "--local"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let run = try #require(cli.runs.first)
        let tail = try cli.run(["logs", "--local", run.id, "many", "--tail", "3"])
        #expect(tail.status == 0, "\(tail.stderr)")
        #expect(tail.stdout == "many line 38\nmany line 39\nmany line 40\n")
        let stamped = try cli.run(["logs", "--local", run.id, "many", "--timestamps", "--tail", "2"])
        let lines = stamped.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        let pattern = #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z many line (39|40)$/#
        #expect(lines.allSatisfy { $0.wholeMatch(of: pattern) != nil }, "\(lines)")
        // The timestamps are the times the lines were written, during the run.
        let started = try #require(run.steps.first?.startTime)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let stamp = try #require(formatter.date(from: String(lines[0].prefix(19)) + "Z"))
        #expect(abs(stamp.timeIntervalSince(started)) < 300)
        // Every step, prefixed, with --tail per step.
        let all = try cli.run(["logs", "--local", run.id, "--tail", "1"])
        #expect(all.stdout == "many  | many line 40\nother | other two\n")
        // Usage errors.
        let unknown = try cli.run(["logs", "--local", run.id, "nope"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("has no step \"nope\""))
        // -f without a step follows every step, prefixed: each step's lines in order.
        let followAll = try cli.run(["logs", "--local", "-f", run.id], limit: 60)
        #expect(followAll.status == 0, "\(followAll.stderr)")
        let followed = followAll.stdout.split(separator: "\n").map(String.init)
        let whole = try cli.run(["logs", "--local", run.id]).stdout.split(separator: "\n").map(String.init)
        #expect(followed.sorted() == whole.sorted())
        #expect(followed.filter { $0.hasPrefix("many  | ") } == whole.filter { $0.hasPrefix("many  | ") })
    }

    @Test func aFollowerInAnotherProcessSeesEveryLineOnceAndEndsWithTheStep() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(
            """
            steps:
              - name: slow
                commands: ['i=1; while [ $i -le 40 ]; do echo "slow line $i"; i=$((i+1)); sleep 0.1; done']
            """
        )
        let runner = try cli.start(["run", "--local"])
        let out = runner.standardOutput
        // Wait (bounded) until the step prints, so the run and its step exist.
        let seen = runner.readOutput(until: "slow line 3")
        // The follower learns the run id from `c8s get runs --local` (the only run).
        let listing = try cli.run(["get", "runs", "--local"])
        let runID = try #require(
            listing.stdout.split(separator: "\n").dropFirst().first?.split(separator: " ").first.map(String.init))
        let stepRunning = cli.runs.first?.steps.first?.phase == .running
        let follow = try cli.run(["logs", "--local", "-f", runID, "slow"], limit: 120)
        let rest = out.readDataToEndOfFile()
        runner.waitUntilExit()
        #expect(runner.terminationStatus == 0, "\(String(decoding: seen + rest, as: UTF8.self))")
        #expect(stepRunning, "the follower started after the step had ended")
        #expect(follow.status == 0, "\(follow.stderr)")
        #expect(follow.stdout == (1...40).map { "slow line \($0)\n" }.joined())
        // Following a finished step prints its log and ends.
        let again = try cli.run(["logs", "--local", "-f", runID, "slow", "--tail", "2"])
        #expect(again.stdout == "slow line 39\nslow line 40\n")
    }

    @Test func followingAStepThatNeverRanEndsAtOnce() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try cli.write(
            """
            steps:
              - name: ok
                commands: [echo fine]
              - name: never
                when: {branches: [no-such-branch]}
                commands: [echo never]
            """
        )
        let result = try cli.run(["run", "--local", "--branch", "main"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let run = try #require(cli.runs.first)
        #expect(run.steps.first { $0.key == "never" }?.phase == .skipped)
        let follow = try cli.run(["logs", "--local", "-f", run.id, "never"], limit: 60)
        #expect(follow.status == 0, "\(follow.stderr)")
        #expect(follow.stdout.isEmpty)
        let whole = try cli.run(["logs", "--local", run.id])
        #expect(whole.stdout == "ok    | fine\n")
    }

    @Test func aSecretInEveryEncodingNeverReachesTheTerminalOrTheDisk() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        let secret = "p@ss/w0rd+\"q\"&\(UUID().uuidString.prefix(6))"
        let bytes = Array(secret.utf8)
        let base64 = Data(bytes).base64EncodedString()
        let base64URL = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let percent = try #require(secret.addingPercentEncoding(withAllowedCharacters: unreserved))
        let json = secret.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let half = secret.index(secret.startIndex, offsetBy: secret.count / 2)
        let forms = [secret, base64, base64URL, hex, hex.uppercased(), percent, json]
        try cli.write(
            """
            steps:
              - name: leak
                secrets: [{name: db, key: password, env: PASSWORD}]
                commands:
                  - printf 'plain %s\\n' "$PASSWORD"
                  - printf '%s' "$PASSWORD" | base64 -w0; echo
                  - printf '%s' "$PASSWORD" | base64 -w0 | tr '+/' '-_'; echo
                  - printf '%s' "$PASSWORD" | od -An -tx1 | tr -d ' \\n'; echo
                  - printf '%s' "$PASSWORD" | od -An -tx1 | tr -d ' \\n' | tr a-f A-F; echo
                  - echo "url=$PCT json={\\"password\\":\\"$JSON\\"}" >&2
                  - printf 'split %s' "$FIRST"; sleep 0.3; printf '%s done\\n' "$SECOND"
            """
        )
        let result = try cli.run([
            "run", "--local", "--secret", "db.password=\(secret)", "--env", "PCT=\(percent)", "--env", "JSON=\(json)",
            "--env", "FIRST=\(secret[..<half])", "--env", "SECOND=\(secret[half...])",
        ])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("leak | plain ***\n"))
        #expect(result.stdout.contains("leak | split *** done\n"))
        let run = try #require(cli.runs.first)
        let logs = try cli.run(["logs", "--local", run.id, "leak"])
        #expect(logs.stdout.split(separator: "\n").count == 7)
        let recorded = cli.recordedText()
        #expect(recorded.contains("split *** done"))
        for form in forms {
            #expect(!result.stdout.contains(form), "terminal shows \(form)")
            #expect(!result.stderr.contains(form))
            #expect(!recorded.contains(form), "a file under .c8s holds \(form)")
            #expect(!logs.stdout.contains(form))
        }
    }
}
