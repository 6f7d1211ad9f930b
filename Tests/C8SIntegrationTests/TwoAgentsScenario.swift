import C8SAPI
import C8SCore
import C8SKube
import Testing

extension Scenarios {
    /// Steps spread over two nodes: each node's agent ships the Pods of its own node (the Pod's
    /// `c8s.dev/agent-url` is that agent's), and every step's log is stored whole.
    @Test func twoAgentsShipTheirOwnNodesPods() async throws {
        try await withInstallation { installation in
            guard installation.nodes.count >= 2 else {
                try Test.cancel(
                    """
                    \(installation.description) has \(installation.nodes.count) schedulable node(s); \
                    the scenario needs two
                    """)
            }
            try await withHistory(of: Pod.self, client: installation.client, namespace: installation.namespace) {
                pods in
                let steps = ["one", "two", "three", "four"]
                try await installation.createConfig(
                    "spread",
                    PipelineSpec(
                        steps: steps.map { installation.step($0, "echo spread \($0)", "sleep 1") }))
                try await installation.createRun("spread-1", config: "spread")
                let run = try await installation.waitForFinish("spread-1")
                #expect(run.status?.phase == .succeeded, "\(run.status?.message ?? "")")
                let done = try await installation.waitForLogs("spread-1", steps: steps)

                var nodesUsed: Set<String> = []
                for name in steps {
                    let node = try #require(done.status?[step: name]?.nodeName, "step \(name) has no node")
                    nodesUsed.insert(node)
                    let expected = try await installation.agentURLPrefix(node: node)
                    let annotated = pods.versions.filter { History.step($0) == name }
                        .compactMap { $0.metadata.annotations?[C8SAnnotations.agentURL] }
                    #expect(!annotated.isEmpty, "the Pod of step \(name) was never annotated by an agent")
                    #expect(
                        annotated.allSatisfy { $0.hasPrefix(expected) },
                        "step \(name) on \(node): \(annotated), agent \(expected)")
                    #expect(
                        try await installation.storedLog(run: "spread-1", step: name).map(\.record.text) == [
                            "spread \(name)"
                        ])
                }
                if installation.isSimulated {
                    #expect(nodesUsed == Set(installation.nodes), "steps ran on \(nodesUsed)")
                } else {
                    #expect(nodesUsed.count >= 1)
                }
            }
        }
    }
}
