/// The `dependsOn` graph of a pipeline's steps (unknown names ignored).
package struct DependencyGraph: Sendable {
    /// Step names in file order.
    package let order: [String]
    /// Step name to the names it depends on.
    package let edges: [String: [String]]

    package init(steps: [PipelineStep]) {
        var order: [String] = []
        var edges: [String: [String]] = [:]
        for step in steps where edges[step.name] == nil {
            order.append(step.name)
            edges[step.name] = step.dependsOn
        }
        self.order = order
        self.edges = edges.mapValues { $0.filter { edges[$0] != nil } }
    }

    /// Each distinct cycle once, as a path starting at its step that comes first in the file,
    /// following `dependsOn` edges.
    package func cycles() -> [[String]] {
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        var found: [[String]] = []
        var seen: Set<[String]> = []
        var state: [String: Int] = [:]  // 1 = on the stack, 2 = done
        var stack: [String] = []

        func visit(_ node: String) {
            state[node] = 1
            stack.append(node)
            for next in edges[node] ?? [] {
                if state[next] == 1, let start = stack.firstIndex(of: next) {
                    var cycle = Array(stack[start...])
                    let rotation = cycle.indices.min { position[cycle[$0]]! < position[cycle[$1]]! }!
                    cycle = Array(cycle[rotation...] + cycle[..<rotation])
                    if seen.insert(cycle).inserted { found.append(cycle) }
                } else if state[next] == nil {
                    visit(next)
                }
            }
            stack.removeLast()
            state[node] = 2
        }

        for node in order where state[node] == nil {
            visit(node)
        }
        return found
    }
}
