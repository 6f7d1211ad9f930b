import ArgumentParser
import C8SCore
import C8SLocal

/// `c8s run --local`: exit 0 succeeded, 1 failed, 2 invalid pipeline or usage, 130 cancelled.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a pipeline.")

    @Flag(help: "Run on this machine instead of a cluster.")
    var local = false

    @Option(name: .shortAndLong, help: "The pipeline file.")
    var file = ".c8s.yaml"

    @Option(name: .customLong("secret"), help: "A secret value, as NAME.KEY=VALUE (repeatable).")
    var secrets: [String] = []

    @Option(name: .customLong("env"), help: "An environment variable for every step, as K=V (repeatable).")
    var environment: [String] = []

    @Option(name: .customLong("matrix"), help: "Run only the combinations matching AXIS=VALUE,... (repeatable).")
    var matrix: [String] = []

    @Option(help: "Branch that `when` conditions see (default: the current git branch).")
    var branch: String?

    @Option(help: "Event that `when` conditions see.")
    var event = "push"

    func run() async throws {
        guard local else {
            printError("c8s run: only --local is available from the command line; in a cluster, push to the repository")
            throw ExitCode(2)
        }
        let spec: PipelineSpec
        do {
            spec = try PipelineParser.load(contentsOf: file)
        } catch {
            for problem in error.errors { printError(problem.description) }
            throw ExitCode(2)
        }
        do {
            let configuration = try makeConfiguration()
            let record = try await LocalRunner(spec: spec, configuration: configuration).run()
            throw ExitCode(LocalRunner.exitCode(for: record.phase))
        } catch let error as LocalError {
            printError("c8s run: \(error.message)")
            throw ExitCode(error.isUsage ? 2 : 1)
        }
    }

    private func makeConfiguration() throws(LocalError) -> LocalRunConfiguration {
        var configuration = LocalRunConfiguration(file: file, branch: branch, event: event)
        for secret in secrets {
            let (name, value) = try LocalRunConfiguration.parseAssignment(secret, flag: "--secret")
            guard name.contains(".") else { throw .usage("--secret expects NAME.KEY=VALUE, got \"\(name)=…\"") }
            configuration.secrets[name] = value
        }
        for assignment in environment {
            let (name, value) = try LocalRunConfiguration.parseAssignment(assignment, flag: "--env")
            configuration.environment[name] = value
        }
        configuration.matrixFilters = try matrix.map { text throws(LocalError) in
            try LocalRunConfiguration.parseMatrixFilter(text)
        }
        return configuration
    }
}
