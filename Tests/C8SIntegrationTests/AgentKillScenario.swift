import C8SAPI
import C8SCore
import C8SKube
import Testing

extension Scenarios {
    /// The agent shipping a step's log is killed with SIGKILL mid-stream (in the simulated installation a
    /// `c8s-agent` process; on a cluster its Pod, deleted with no grace period) and starts again: the stored log
    /// holds every line the step printed exactly once, in order, with contiguous line numbers.
    @Test func agentKilledMidStreamLosesAndDuplicatesNoLine() async throws {
        var options = InstallationOptions()
        options.agentProcesses = true
        try await withInstallation(options) { installation in
            let bursts = 40
            let perBurst = 100
            try await installation.createConfig(
                "stream",
                PipelineSpec(steps: [
                    installation.step(
                        "print",
                        "i=0",
                        "while [ $i -lt \(bursts) ]; do",
                        "  seq $((i * \(perBurst) + 1)) $((i * \(perBurst) + \(perBurst))) | sed 's/^/stream line /'",
                        "  i=$((i + 1))",
                        "  sleep 0.2",
                        "done")
                ]))
            try await installation.createRun("stream-1", config: "stream")
            // Mid-stream: the agent has reported shipped lines and the step is still printing.
            let running = try await installation.waitForRun("stream-1", "some lines of step print shipped") {
                ($0.status?[step: "print"]?.logs?.lines ?? 0) > 0
            }
            let step = try #require(running.status?[step: "print"])
            #expect(
                step.phase?.isTerminal != true, "the step ended before the agent was killed; it needs to print longer")
            #expect(
                (step.logs?.lines ?? 0) < Int64(bursts * perBurst), "every line was shipped before the agent was killed"
            )
            let node = try #require(step.nodeName)
            try await installation.killAgent(onNode: node)

            let run = try await installation.waitForFinish("stream-1")
            #expect(run.status?.phase == .succeeded, "\(run.status?.message ?? "")")
            let done = try await installation.waitForLogs("stream-1", steps: ["print"])
            let records = try await installation.storedLog(run: "stream-1", step: "print")
            let expected = (1...(bursts * perBurst)).map { "stream line \($0)" }
            #expect(records.count == expected.count)
            #expect(records.map(\.record.text) == expected)
            let numbers = records.map(\.lineNumber)
            #expect(numbers == Array(numbers.first.map { $0..<($0 + Int64(numbers.count)) } ?? 0..<0))
            #expect(done.status?[step: "print"]?.logs?.lines == Int64(expected.count))
        }
    }
}
