import ArgumentParser
import C8SLogs
import Logging

/// `c8s-logtail`: follows one container log directory and appends its records to a file, exactly once across
/// crashes (a test and debugging tool for the node agent's tailer).
@main
struct LogTailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "c8s-logtail", abstract: "Copy a container log directory's records to a file.")

    @Option(help: "Container log directory (CRI files 0.log, 0.log.<timestamp>, 1.log, ...).")
    var directory: String

    @Option(help: "Checkpoint file.")
    var checkpoint: String

    @Option(help: "Output file: one '<timestampNanos> <stream> <text>' line per record.")
    var output: String

    @Flag(help: "Read every file to its end, then exit.")
    var finish = false

    func run() async throws {
        let logger = Logger(label: "c8s-logtail")
        try await LogTailCopy(directory: directory, checkpointPath: checkpoint, outputPath: output, finish: finish)
            .run(logger: logger)
    }
}
