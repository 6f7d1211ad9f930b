import ArgumentParser
import C8SLocal
import C8SLogs
import Foundation

/// `c8s get runs --local`.
struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List resources.", subcommands: [Runs.self])

    struct Runs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List recorded runs.")

        @Flag(help: "List the runs recorded in ./.c8s by `c8s run --local`.")
        var local = false

        func run() throws {
            guard local else {
                printError("c8s get runs: only --local is available from the command line")
                throw ExitCode(2)
            }
            print(LocalReports.runsTable(RunStore(directory: FileManager.default.currentDirectoryPath)), terminator: "")
        }
    }
}

/// `c8s logs --local RUN-ID [STEP] [--tail N] [--timestamps] [-f]`.
struct Logs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the output of a run's steps.")

    @Flag(help: "Read the runs recorded in ./.c8s by `c8s run --local`.")
    var local = false

    @Argument(help: "The run id (see `c8s get runs --local`).")
    var runID: String

    @Argument(help: "The step (name, or name[axis=value,...] for a matrix run); all steps when omitted.")
    var step: String?

    @Option(help: "Print only the last N lines (of each step).")
    var tail: Int?

    @Flag(help: "Prefix each line with its RFC 3339 timestamp.")
    var timestamps = false

    @Flag(name: .shortAndLong, help: "Follow the step while it runs, until its output is complete.")
    var follow = false

    func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail must be 0 or more") }
        if follow && step == nil { throw ValidationError("-f follows one step: name the STEP") }
    }

    func run() async throws {
        guard local else {
            printError("c8s logs: only --local is available from the command line")
            throw ExitCode(2)
        }
        let logs = LocalLogs(store: RunStore(directory: FileManager.default.currentDirectoryPath))
        let format = LogLineFormat(timestamps: timestamps)
        do {
            let record = try logs.store.load(runID)
            guard let step else {
                for line in try await logs.allLines(run: runID, tail: tail, format: format) { printLine(line) }
                return
            }
            let key = try LocalLogs.step(step, in: record).key
            if follow {
                try await logs.follow(
                    run: runID, step: key, tail: tail, format: format, output: printLine)
            } else {
                for line in try await logs.lines(run: runID, step: key, tail: tail, format: format) { printLine(line) }
            }
        } catch let error as LocalError {
            printError("c8s logs: \(error.message)")
            throw ExitCode(error.isUsage ? 2 : 1)
        } catch {
            printError("c8s logs: \(error)")
            throw ExitCode(1)
        }
    }
}

/// Writes one line to standard output at once (followers see lines as they arrive).
@Sendable func printLine(_ line: String) {
    var bytes = Array(line.utf8)
    bytes.append(0x0A)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 {
            if errno == EINTR { continue }
            return
        }
        offset += written
    }
}
