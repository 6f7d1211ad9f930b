import ArgumentParser
import C8SCore

/// `c8s validate FILE...`: exit 0 when every file is valid, 1 when one is invalid, 2 when one is unreadable.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check pipeline files and print every error with its line and column."
    )

    @Argument(help: "Pipeline files (.c8s.yaml or a PipelineConfig object).")
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one pipeline file") }
    }

    func run() throws {
        var status: Int32 = 0
        for file in files {
            do {
                _ = try PipelineParser.load(contentsOf: file)
                print("\(file): valid")
            } catch {
                for problem in error.errors { printError(problem.description) }
                let unreadable = error.errors.contains { $0.kind == .unreadableFile }
                status = max(status, unreadable ? 2 : 1)
            }
        }
        if status != 0 { throw ExitCode(status) }
    }
}
