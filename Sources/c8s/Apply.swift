import ArgumentParser
import C8SClient
import C8SCore

/// `c8s apply -f .c8s.yaml --name NAME`: creates or updates a PipelineConfig.
struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create or update a pipeline config in the cluster from a pipeline file.")

    @Option(name: .shortAndLong, help: "The pipeline file.", completion: .file(extensions: ["yaml", "yml"]))
    var file = ".c8s.yaml"

    @Option(help: "The PipelineConfig's name.")
    var name: String

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        try await clusterCommand("apply") {
            try ResourceName.validate(name, what: "pipeline config")
            let spec: PipelineSpec
            do {
                spec = try PipelineParser.load(contentsOf: file)
            } catch let error as PipelineErrors {
                for problem in error.errors { printError(problem.description) }
                throw ExitCode(2)
            }
            let target = try cluster.target()
            let outcome = try await withClusterClient(target: target) { client in
                try await client.applyConfig(name: name, spec: spec)
            }
            printText("pipelineconfig/\(name) \(outcome.rawValue)")
        }
    }
}
