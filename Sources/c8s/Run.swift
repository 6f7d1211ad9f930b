import ArgumentParser
import C8SClient
import C8SCore
import C8SLocal

/// `c8s run [--local]` runs `.c8s.yaml` on this machine: exit 0 succeeded, 1 failed, 2 invalid pipeline or usage,
/// 130 cancelled. `c8s run CONFIG [--commit SHA] [--branch B] [--wait]` starts a run in the cluster and prints its
/// name; with `--wait` it follows the run and exits 0 when it succeeded, 1 when it failed or was cancelled.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline: .c8s.yaml on this machine, or a pipeline config in the cluster.")

    @Argument(help: "A PipelineConfig in the cluster; without it, the pipeline file runs on this machine.")
    var config: String?

    @Flag(help: "Run on this machine instead of a cluster (the default without CONFIG).")
    var local = false

    @Option(help: "The commit the cluster run builds.")
    var commit: String?

    @Flag(help: "Follow the cluster run to its end: exit 0 when it succeeded, 1 when it failed or was cancelled.")
    var wait = false

    @Option(name: .shortAndLong, help: "The pipeline file.")
    var file = ".c8s.yaml"

    @OptionGroup(title: "Secrets and environment (local runs)")
    var localSecrets: LocalSecretOptions

    @Option(name: .customLong("env"), help: "An environment variable for every step, as K=V (repeatable).")
    var environment: [String] = []

    @Option(name: .customLong("matrix"), help: "Run only the combinations matching AXIS=VALUE,... (repeatable).")
    var matrix: [String] = []

    @Option(help: "Branch of the run (local: what `when` conditions see; default: the current git branch).")
    var branch: String?

    @Option(help: "Event that `when` conditions see.")
    var event = "push"

    @OptionGroup var cluster: ClusterOptions

    func validate() throws {
        if local, config != nil { throw ValidationError("--local runs the pipeline file; it takes no CONFIG") }
        if config == nil, wait || commit != nil {
            throw ValidationError(
                "--wait and --commit start a run in the cluster: name the pipeline config (c8s run CONFIG)")
        }
    }

    func run() async throws {
        if let config {
            try await runInCluster(config)
            return
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

    private func runInCluster(_ config: String) async throws {
        try await clusterCommand("run") {
            let target = try cluster.target()
            let phase = try await withClusterClient(target: target) { client in
                let run = try await client.startRun(RunSubmission(config: config, commit: commit, branch: branch))
                let name = run.metadata.name ?? ""
                printLine(name)
                guard wait else { return PipelineRunPhaseResult.started }
                return .finished(try await client.waitForRun(named: name) { printLine($0) })
            }
            if case .finished(let phase) = phase {
                let code = RunProgress.exitCode(for: phase)
                if code != 0 { throw ExitCode(code) }
            }
        }
    }

    private func makeConfiguration() throws(LocalError) -> LocalRunConfiguration {
        var configuration = LocalRunConfiguration(file: file, branch: branch, event: event)
        try localSecrets.apply(to: &configuration) { printError($0) }
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

/// Whether `c8s run CONFIG` waited for the run.
private enum PipelineRunPhaseResult: Sendable {
    case started
    case finished(RunPhase)
}
