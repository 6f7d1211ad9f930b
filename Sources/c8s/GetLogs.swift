import ArgumentParser
import C8SClient
import C8SKube
import C8SLocal
import C8SLogs
import Foundation
import SystemPackage

/// `c8s get runs [NAME] [-o json|yaml] [-l SELECTOR] [--config NAME]`, or `c8s get runs --local`.
struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List resources.", subcommands: [Runs.self])

    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List runs: in the cluster (NAME, CONFIG, COMMIT, PHASE, AGE, DURATION), or recorded here.")

        @Argument(help: "Only this run.")
        var name: String?

        @Flag(help: "List the runs recorded in ./.c8s by `c8s run --local`.")
        var local = false

        @Option(name: .shortAndLong, help: "Output format: json or yaml (default: a table).")
        var output: String?

        @Option(name: [.customShort("l"), .customLong("selector")], help: "A label selector (app=shop,tier!=web).")
        var selector: String?

        @Option(name: .customLong("config"), help: "Only runs of this pipeline config.")
        var config: String?

        @OptionGroup var cluster: ClusterOptions

        func validate() throws {
            if let output, ObjectOutput(flag: output) == nil {
                throw ValidationError("unknown output format \"\(output)\": use json or yaml")
            }
            if local, selector != nil || config != nil {
                throw ValidationError("--local lists the runs recorded here; -l and --config are for the cluster")
            }
        }

        func run() async throws {
            guard !local else {
                try await localRuns()
                return
            }
            try await clusterCommand("get runs") {
                let target = try cluster.target()
                let runs = try await withClusterClient(target: target) { client in
                    if let name { return [try await client.run(named: name)] }
                    return try await client.runs(RunFilter(labelSelector: selector, config: config))
                }
                if let output, let format = ObjectOutput(flag: output) {
                    printText(try format.render(runs, single: name != nil))
                } else if runs.isEmpty {
                    printError("No runs found in namespace \(target.namespace).")
                } else {
                    printText(RunTable.table(runs, now: Date()).render())
                }
            }
        }
    }
}

extension Get.Runs {
    /// `c8s get runs --local [RUN-ID] [-o json|yaml]`: the runs recorded in `./.c8s`, oldest first, after
    /// recovering those whose `c8s` died.
    func localRuns() async throws {
        let store = RunStore(directory: FileManager.default.currentDirectoryPath)
        await RunRecovery(store: store).recoverAbandoned()
        var runs = store.list()
        if let name {
            guard let run = runs.first(where: { $0.id == name }) else {
                printError("c8s get runs: no run \"\(name)\" in \(store.root.path)/runs")
                throw ExitCode(1)
            }
            runs = [run]
        }
        if let output, let format = ObjectOutput(flag: output) {
            let data = try LocalReports.json(runs)
            switch format {
            case .json: printText(String(decoding: data, as: UTF8.self) + "\n")
            case .yaml: printText(YAMLEmitter.emit(try JSONDecoder().decode(JSONValue.self, from: data)))
            }
        } else if runs.isEmpty {
            printError("No runs recorded in \(store.root.path).")
        } else {
            let now = Date()
            printText(LocalReports.runsTable(runs, now: now) { RunTable.duration(start: now, end: now + $0, now: now) })
        }
    }
}

/// `c8s logs RUN [--step S] [-f] [--tail N] [--timestamps]` through the coordinator, or
/// `c8s logs --local RUN-ID [STEP] [--tail N] [--timestamps] [-f]`.
struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the output of a run's steps.")

    @Flag(help: "Read the runs recorded in ./.c8s by `c8s run --local`.")
    var local = false

    @Argument(help: "The run (a cluster run's name, or a local run id from `c8s get runs --local`).")
    var runID: String

    @Argument(help: "The step (name, or name[axis=value,...] for a matrix run); all steps when omitted.")
    var step: String?

    @Option(name: .customLong("step"), help: "The step, like STEP; all steps, prefixed [step], when omitted.")
    var stepOption: String?

    @Option(help: "The coordinator's URL (default: $C8S_COORDINATOR).")
    var coordinator: String?

    @Option(help: "The bearer token for the coordinator (default: $C8S_TOKEN, else the kubeconfig user's token).")
    var token: String?

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "Print only the last N lines (of each step).")
    var tail: Int?

    @Flag(help: "Prefix each line with its RFC 3339 timestamp.")
    var timestamps = false

    @Flag(name: .shortAndLong, help: "Follow the step (or, without STEP, every step) until its output is complete.")
    var follow = false

    func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail must be 0 or more") }
        if let step, let stepOption, step != stepOption {
            throw ValidationError("name the step once: STEP \"\(step)\" and --step \"\(stepOption)\" differ")
        }
    }

    func run() async throws {
        guard local else {
            try await clusterLogs()
            return
        }
        let logs = LocalLogs(store: RunStore(directory: FileManager.default.currentDirectoryPath))
        let format = LogLineFormat(timestamps: timestamps)
        // Stored lines are streamed chunk by chunk through a bounded buffer (memory stays flat whatever the size).
        let output = BufferedOutput()
        defer { output.flush() }
        do {
            try await RunRecovery(store: logs.store).recover(runID)
            let record = try logs.store.load(runID)
            guard let step = stepOption ?? step else {
                if follow {
                    try await logs.followRun(run: runID, tail: tail, format: format, output: printLine)
                } else {
                    try await logs.forEachLineOfRun(runID, tail: tail, format: format, output.line)
                }
                return
            }
            let key = try LocalLogs.step(step, in: record).key
            if follow {
                try await logs.follow(
                    run: runID, step: key, tail: tail, format: format, output: printLine)
            } else {
                try await logs.forEachLine(run: runID, step: key, tail: tail, format: format, output.line)
            }
        } catch let error as LocalError {
            output.flush()
            printError("c8s logs: \(error.message)")
            throw ExitCode(error.isUsage ? 2 : 1)
        } catch {
            output.flush()
            printError("c8s logs: \(error)")
            throw ExitCode(1)
        }
    }
}

extension Logs {
    private func clusterLogs() async throws {
        try await clusterCommand("logs") {
            let target = try cluster.target()
            let settings = try CoordinatorSettings.resolve(url: coordinator, token: token, target: target)
            try await withClusterClient(target: target) { client in
                let run = try await client.run(named: runID)
                // A follow prints each line as it arrives; a stored log goes through a bounded buffer.
                let buffered = BufferedOutput()
                defer { buffered.flush() }
                let output: @Sendable (String) -> Void = follow ? printLine : buffered.line
                try await CoordinatorLogClient.with(settings: settings) { logs in
                    let printer = RunLogPrinter(logs: logs, tail: tail, follow: follow, timestamps: timestamps)
                    try await printer.print(
                        run: run, step: stepOption ?? step,
                        reload: {
                            try await client.run(named: runID)
                        }, output: output)
                }
            }
        }
    }
}

/// Writes one line to standard output at once (followers see lines as they arrive); see
/// ``writeStandardOutput(_:)`` for write errors.
@Sendable func printLine(_ line: String) {
    var bytes = Array(line.utf8)
    bytes.append(0x0A)
    writeStandardOutput(bytes)
}
