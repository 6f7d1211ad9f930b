import ArgumentParser
import C8SClient
import C8SCore
import C8SLocal
import Foundation

/// `c8s run [--local]` runs `.c8s.yaml` on this machine; `c8s run CONFIG [--commit SHA] [--branch B] [--wait]` starts
/// a run in the cluster and prints its name (with `--wait` it follows the run to its end). Exit status, as for every
/// command (docs/cli.md): 0 succeeded, 1 the run failed or the file is invalid, 2 usage (unknown option, bad flag
/// value, unreadable file), 130 cancelled.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline: .c8s.yaml on this machine, or a pipeline config in the cluster.")

    @Argument(help: "A PipelineConfig in the cluster; without it, the pipeline file runs on this machine.")
    var config: String?

    @Flag(help: "Run on this machine instead of a cluster (the default without CONFIG).")
    var local = false

    @Option(help: "The commit the cluster run builds.")
    var commit: String?

    @Flag(help: "Follow the cluster run to its end: exit 0 succeeded, 1 failed, 130 cancelled.")
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

    @Option(help: "Local runs: at most N steps at once (default: 4 per processor, at least 8).")
    var parallel: Int?

    @Flag(help: "Local runs: run what HEAD holds, not the working tree with its uncommitted changes.")
    var clean = false

    @Option(name: .customLong("step"), help: "Local runs: run this step and the steps it depends on (repeatable).")
    var steps: [String] = []

    @Option(help: "Local runs: run only this step, without its dependencies (repeatable).")
    var only: [String] = []

    @Option(name: .customLong("rerun-failed"), help: "Local runs: run again the steps that did not succeed in RUN-ID.")
    var rerunFailed: String?

    @Option(help: "Color the output: auto (a terminal, unless NO_COLOR is set or TERM=dumb), always or never.")
    var color = "auto"

    @OptionGroup var cluster: ClusterOptions

    func validate() throws {
        if local, config != nil { throw ValidationError("--local runs the pipeline file; it takes no CONFIG") }
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1 (got \(parallel))") }
        if !["auto", "always", "never"].contains(color) {
            throw ValidationError("--color expects auto, always or never, got \"\(color)\"")
        }
        if config != nil, clean || parallel != nil || !steps.isEmpty || !only.isEmpty || rerunFailed != nil {
            throw ValidationError(
                "--clean, --parallel, --step, --only and --rerun-failed are for local runs; they take no CONFIG")
        }
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
        let configuration: LocalRunConfiguration
        do {
            configuration = try makeConfiguration()
        } catch {
            printError("c8s run: \(error.message)")
            throw ExitCode(error.isUsage ? 2 : 1)
        }
        let spec: PipelineSpec
        do {
            spec = try PipelineParser.load(contentsOf: file)
        } catch {
            for problem in error.errors { printError(problem.description) }
            throw ExitCode(error.errors.contains { $0.kind == .unreadableFile } ? 2 : 1)
        }
        do {
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
        if let parallel { configuration.parallelism = parallel }
        configuration.clean = clean
        configuration.color = try LocalRunConfiguration.colorEnabled(
            color, environment: ProcessInfo.processInfo.environment, isTerminal: isatty(1) == 1)
        configuration.selection = StepSelection(withDependencies: steps, only: only)
        if let rerunFailed {
            let record = try RunStore(directory: configuration.directory).load(rerunFailed)
            let failed = record.steps.filter { $0.phase != .succeeded }.map(\.name)
            guard !failed.isEmpty else {
                throw .usage("run \(rerunFailed) has no step that did not succeed: nothing to run again")
            }
            configuration.selection.rerun = Array(Set(failed)).sorted()
        }
        try localSecrets.apply(to: &configuration) { printError($0) }
        for assignment in environment {
            let (name, value) = try LocalRunConfiguration.parseAssignment(
                assignment, flag: "--env", form: LocalRunConfiguration.environmentForm)
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
