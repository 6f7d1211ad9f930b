import ArgumentParser
import C8SVersion
import Foundation

/// The c8s command line.
@main
struct C8S: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "c8s",
        abstract: "A Kubernetes-native CI system; `--local` runs pipelines on this machine.",
        discussion: """
            On this machine: c8s run, c8s get runs --local, c8s logs --local RUN-ID, c8s validate FILE.
            In a cluster (kubeconfig, --context, -n): c8s apply, c8s run CONFIG, c8s get runs, c8s describe run,
            c8s logs RUN, c8s cancel RUN, c8s secret create. See docs/cli.md.
            """,
        version: BuildVersion.current.description,
        subcommands: [
            Validate.self, Run.self, Apply.self, Get.self, Describe.self, Logs.self, Cancel.self,
            SecretCommand.self, Completion.self,
            Version.self,
        ]
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
