import ArgumentParser
import C8SClient

/// `c8s cancel RUN`: sets `spec.cancel: true`.
struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cancel a run in the cluster.")

    @Argument(help: "The run's name.")
    var name: String

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        try await clusterCommand("cancel") {
            let target = try cluster.target()
            let outcome = try await withClusterClient(target: target) { client in
                try await client.cancelRun(named: name)
            }
            switch outcome {
            case .requested:
                printText("pipelinerun/\(name) cancel requested")
            case .alreadyFinished(let phase):
                printText("pipelinerun/\(name) already finished (\(phase.rawValue)); nothing to cancel")
            }
        }
    }
}
