import ArgumentParser
import C8SLocal
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

/// `c8s logs --local RUN-ID [STEP]`.
struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the output of a run's steps.")

    @Flag(help: "Read the runs recorded in ./.c8s by `c8s run --local`.")
    var local = false

    @Argument(help: "The run id (see `c8s get runs --local`).")
    var runID: String

    @Argument(help: "The step (name, or name[axis=value,...] for a matrix run); all steps when omitted.")
    var step: String?

    func run() throws {
        guard local else {
            printError("c8s logs: only --local is available from the command line")
            throw ExitCode(2)
        }
        do {
            let store = RunStore(directory: FileManager.default.currentDirectoryPath)
            print(try LocalReports.logs(store, run: runID, step: step), terminator: "")
        } catch {
            printError("c8s logs: \(error.message)")
            throw ExitCode(error.isUsage ? 2 : 1)
        }
    }
}
