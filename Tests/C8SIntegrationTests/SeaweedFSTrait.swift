import C8STestSupport
import Testing

/// Starts one SeaweedFS server for the scenario suite (the simulated installations' S3; each installation uses its
/// own key prefix) and shuts it down afterwards. Against a cluster (`C8S_E2E_KUBECONFIG`) no server is started.
struct SeaweedFSTrait: SuiteTrait, TestScoping {
    @TaskLocal static var server: SeaweedFSServer?

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        if (try? ClusterSettings.fromEnvironment()) != nil {
            try await function()
            return
        }
        let server = try await SeaweedFSServer.start()
        do {
            try await Self.$server.withValue(server) { try await function() }
        } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }
}

extension Trait where Self == SeaweedFSTrait {
    /// A SeaweedFS server shared by the suite's scenarios.
    static var seaweedFS: Self { .init() }
}
