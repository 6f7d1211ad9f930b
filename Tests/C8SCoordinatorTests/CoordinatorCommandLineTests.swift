import C8STestSupport
import Foundation
import Testing

/// The real `c8s-coordinator` executable's command line: `--help` lists every key; a bad setting exits 64 with a
/// message naming its flag or variable, before anything connects.
@Suite(.timeLimit(.minutes(2))) struct CoordinatorCommandLineTests {
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws
        -> (termination: TestChildProcess.Termination, output: String)
    {
        try await TestChildProcess.runBuilt("c8s-coordinator", arguments, environment: environment)
    }

    @Test func helpListsEveryFlagAndVariable() async throws {
        let (status, output) = try await Self.run(["--help"])
        #expect(status == .exited(0))
        for text in [
            "--namespace NAMESPACE", "[env C8S_NAMESPACES]", "--[no-]leader-elect", "[env C8S_LEADER_ELECT]",
            "--identity NAME", "[env POD_NAME]", "--http-port PORT", "[env C8S_HTTP_PORT]", "--workers N",
            "--log-level LEVEL", "default 8080",
        ] {
            #expect(output.contains(text), "\(text) in \(output)")
        }
    }

    @Test(
        arguments: [
            (["--workers", "0"], [:], "c8s-coordinator: --workers '0' is not a whole number from 1 to 1024"),
            ([], ["C8S_LOG_LEVEL": "loud"], "c8s-coordinator: --log-level / C8S_LOG_LEVEL 'loud' is no log level"),
            (["--leader-elect=yes"], [:], "c8s-coordinator: --leader-elect takes no value"),
        ] as [([String], [String: String], String)])
    func badSettingsExit64NamingTheKey(
        _ arguments: [String], _ environment: [String: String], _ message: String
    ) async throws {
        let (status, output) = try await Self.run(arguments, environment: environment)
        #expect(status == .exited(64))
        #expect(output.contains(message), "output: \(output)")
    }
}
