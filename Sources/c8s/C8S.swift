import ArgumentParser
import Foundation

/// The c8s command line.
@main
struct C8S: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "c8s",
        abstract: "A Kubernetes-native CI system; `--local` runs pipelines on this machine.",
        subcommands: [Validate.self, Run.self, Get.self, Logs.self]
    )

    /// Runs the command; usage errors exit with status 2 (not ArgumentParser's 64).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}
