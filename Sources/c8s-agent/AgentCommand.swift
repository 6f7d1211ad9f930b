import ArgumentParser

/// `c8s-agent`: the node agent.
@main
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "c8s-agent", abstract: "The c8s node agent.")
    func run() async throws { throw ValidationError("c8s-agent is not wired yet") }
}
