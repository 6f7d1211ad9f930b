extension SimulatedAgents {
    func runInProcess() async throws {
        for node in settings.nodes { markStarted(node: node, url: "http://127.0.0.1:1") }
        do { try await Task.sleep(for: .seconds(86_400)) } catch {}
    }
}
