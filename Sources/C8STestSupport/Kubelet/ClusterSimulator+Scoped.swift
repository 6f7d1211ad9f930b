import Logging

/// Runs a cluster simulator for `server` with nodes `nodes` (names) while `body` runs, then stops it and kills
/// every container process. `configure` adjusts the configuration (node capacity, log rotation, …).
///
/// ```swift
/// try await withTestAPIServer { server in
///     try await withClusterSimulator(server: server, nodes: ["node-a", "node-b"], logRoot: dir) { sim in
///         // create Jobs through the API; their Pods run as local processes
///     }
/// }
/// ```
public func withClusterSimulator<T: Sendable>(
    server: TestAPIServer, nodes: [String], logRoot: String,
    configure: (inout ClusterSimulator.Configuration) -> Void = { _ in },
    logger: Logger = Logger(label: "c8s.sim"),
    _ body: (ClusterSimulator) async throws -> T
) async throws -> T {
    var configuration = ClusterSimulator.Configuration(nodes: nodes.map { SimulatedNode(name: $0) }, logRoot: logRoot)
    configure(&configuration)
    let simulator = try ClusterSimulator(server: server, configuration: configuration, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await simulator.run() }
        do {
            await simulator.waitUntilReady()
            let result = try await body(simulator)
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            try? await group.waitForAll()
            throw error
        }
    }
}
