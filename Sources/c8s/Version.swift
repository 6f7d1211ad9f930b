import ArgumentParser
import C8SClient
import C8SVersion

/// `c8s version [--coordinator URL]`: the client's version and, when a coordinator is named (`--coordinator`, else
/// `C8S_COORDINATOR`, as `c8s logs` finds it), the version that coordinator runs (`GET /version`).
struct Version: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the version of c8s and of the coordinator.",
        discussion: """
            Prints `client: VERSION (revision COMMIT)`, then `coordinator: …` when a coordinator is named with \
            --coordinator or C8S_COORDINATOR (no token needed). Exits 1 when that coordinator cannot be asked.
            """)

    @Option(help: "The coordinator's URL (default: $C8S_COORDINATOR).")
    var coordinator: String?

    func run() async throws {
        print("client: \(BuildVersion.current)")
        do {
            guard let url = try CoordinatorVersionClient.coordinatorURL(coordinator) else { return }
            let version = try await CoordinatorVersionClient.fetch(url: url)
            print("coordinator: \(version)")
        } catch {
            printError("c8s version: \(error.message)")
            throw ExitCode(error.exitCode)
        }
    }
}
