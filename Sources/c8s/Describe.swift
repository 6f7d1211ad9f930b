import ArgumentParser
import C8SClient
import Foundation

/// `c8s describe run NAME`.
struct Describe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the details of a resource.", subcommands: [DescribeRun.self])

    struct DescribeRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Show a run: its steps (phase, exit code, duration, node), log locations and events.")

        @Argument(help: "The run's name.")
        var name: String

        @OptionGroup var cluster: ClusterOptions

        func run() async throws {
            try await clusterCommand("describe run") {
                let target = try cluster.target()
                let text = try await withClusterClient(target: target) { client in
                    let run = try await client.run(named: name)
                    // Like kubectl describe, a user who may not list Events still sees the run.
                    do {
                        let events = try await client.events(for: run)
                        return RunDescription.render(run, events: events, now: Date())
                    } catch let error as ClientError where error.isForbidden {
                        return RunDescription.render(
                            run, events: [], eventsUnavailable: "you may not list events in this namespace",
                            now: Date())
                    }
                }
                printText(text)
            }
        }
    }
}
