import ArgumentParser
import C8SClient

/// `c8s secret create NAME --from-literal K=V --from-file K=PATH`.
struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret", abstract: "Manage secrets for pipeline steps.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a secret and show how a step of .c8s.yaml uses it.")

        @Argument(help: "The secret's name.")
        var name: String

        @Option(name: .customLong("from-literal"), help: "A key and its value, as KEY=VALUE (repeatable).")
        var literals: [String] = []

        @Option(
            name: .customLong("from-file"),
            help: "A key and a file holding its value, as KEY=PATH or PATH (repeatable).",
            completion: .file())
        var files: [String] = []

        @OptionGroup var cluster: ClusterOptions

        func run() async throws {
            try await clusterCommand("secret create") {
                let request = try SecretRequest.parse(name: name, literals: literals, files: files)
                let target = try cluster.target()
                _ = try await withClusterClient(target: target) { client in
                    try await client.createSecret(request)
                }
                printText("secret/\(name) created in namespace \(target.namespace)\n\n" + request.usage())
            }
        }
    }
}
