import ArgumentParser
import C8SLogs
import Foundation
import Logging

/// `c8s-logtail`: follows one container log directory and appends its records to a file, exactly once across
/// crashes (a test, debugging and measuring tool for the node agent's tailer).
@main
struct LogTailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "c8s-logtail", abstract: "Copy a container log directory's records to a file.")

    @Option(help: "Container log directory (CRI files 0.log, 0.log.<timestamp>, 1.log, ...).")
    var directory: String

    @Option(help: "Checkpoint file.")
    var checkpoint: String

    @Option(help: "Output file: one '<timestampNanos> <stream> <text>' line per record. Without it, only count.")
    var output: String?

    @Option(help: "Environment variable holding a secret to mask (repeatable).")
    var maskEnv: [String] = []

    @Flag(help: "Read every file to its end, then exit.")
    var finish = false

    @Flag(help: "Print records, bytes and throughput to standard error at the end.")
    var stats = false

    func run() async throws {
        let logger = Logger(label: "c8s-logtail")
        var masker: SecretMasker?
        if !maskEnv.isEmpty {
            let environment = ProcessInfo.processInfo.environment
            let secrets = try maskEnv.map { name in
                guard let value = environment[name] else { throw ValidationError("--mask-env \(name): not set") }
                return SecretMasker.Secret(name: name, value: value)
            }
            let built = SecretMasker(secrets: secrets)
            for warning in built.warnings { logger.warning("\(warning)") }
            masker = built
        }
        let start = ContinuousClock.now
        let statistics = try await LogTailCopy(
            directory: directory, checkpointPath: checkpoint, outputPath: output, finish: finish, masker: masker
        ).run(logger: logger)
        if stats {
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let megabytes = Double(statistics.textBytes) / 1_048_576
            FileHandle.standardError.write(
                Data(
                    ("records=\(statistics.records) text_mib=\(String(format: "%.1f", megabytes)) "
                        + "malformed=\(statistics.malformedLines) masked=\(statistics.maskedRecords) "
                        + "seconds=\(String(format: "%.3f", seconds)) "
                        + "text_mib_per_s=\(String(format: "%.1f", megabytes / seconds))\n").utf8))
        }
    }
}
