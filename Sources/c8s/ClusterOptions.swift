import ArgumentParser
import C8SClient
import Foundation

/// `--kubeconfig`, `--context`, `-n/--namespace`: which cluster, identity and namespace, as with kubectl.
struct ClusterOptions: ParsableArguments {
    @Option(help: "The kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).", completion: .file())
    var kubeconfig: String?

    @Option(help: "The kubeconfig context (default: its current-context).")
    var context: String?

    @Option(name: .shortAndLong, help: "The namespace (default: the context's namespace, else default).")
    var namespace: String?

    /// The cluster the flags and the environment name.
    func target() throws(ClientError) -> ClusterTarget {
        try ClusterSettings(kubeconfig: kubeconfig, context: context, namespace: namespace).resolve()
    }
}

/// Runs a cluster command: a `ClientError` is printed as `c8s COMMAND: message` and exits with its status.
func clusterCommand(_ name: String, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ClientError {
        printError("c8s \(name): \(error.message)")
        throw ExitCode(error.exitCode)
    } catch let error as ExitCode {
        throw error
    } catch is CancellationError {
        throw ExitCode(130)
    } catch {
        printError("c8s \(name): \(error)")
        throw ExitCode(1)
    }
}

/// Writes text to standard output at once.
func printText(_ text: String) {
    var text = text
    if text.hasSuffix("\n") { text.removeLast() }
    printLine(text)
}
