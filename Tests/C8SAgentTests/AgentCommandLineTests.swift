import C8STestSupport
import Foundation
import Testing

/// The real `c8s-agent` executable's command line: `--help` lists every key; a missing or bad setting exits 64 with
/// a message naming its flag or variable, before anything connects.
@Suite(.timeLimit(.minutes(2))) struct AgentCommandLineTests {
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws
        -> (termination: TestChildProcess.Termination, output: String)
    {
        try await TestChildProcess.runBuilt("c8s-agent", arguments, environment: environment)
    }

    @Test func helpListsEveryFlagAndVariable() async throws {
        let (status, output) = try await Self.run(["--help"])
        #expect(status == .exited(0))
        for text in [
            "--node-name NAME", "[env NODE_NAME]", "--log-store URL", "[env C8S_LOG_STORE]", "--http-port PORT",
            "[env C8S_AGENT_PORT]", "[env POD_IP]", "--kubeconfig PATH", "--in-cluster", "default 8090",
        ] {
            #expect(output.contains(text), "\(text) in \(output)")
        }
    }

    @Test(
        arguments: [
            ([], [:], "c8s-agent: --node-name / NODE_NAME is required: the node whose Pods this agent ships"),
            (
                ["--node-name", "n", "--log-store", "file:///tmp/x"], ["C8S_AGENT_PORT": "80a"],
                "c8s-agent: C8S_AGENT_PORT '80a' is not a whole number from 0 to 65535"
            ),
            (["--node", "n"], [:], "c8s-agent: unknown option --node; see --help"),
        ] as [([String], [String: String], String)])
    func badSettingsExit64NamingTheKey(
        _ arguments: [String], _ environment: [String: String], _ message: String
    ) async throws {
        let (status, output) = try await Self.run(arguments, environment: environment)
        #expect(status == .exited(64))
        #expect(output.contains(message), "output: \(output)")
    }
}
