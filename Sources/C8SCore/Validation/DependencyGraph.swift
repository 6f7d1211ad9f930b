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

    /// Each distinct cycle once (at most `limit` of them), as a path starting at its step that comes first in
    /// the file, following `dependsOn` edges. Linear in steps and edges, plus the length of the cycles returned.
    package func cycles(limit: Int = .max) -> [[String]] {
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        var found: [[String]] = []
        var seen: Set<[String]> = []
        var state: [String: Int] = [:]  // 1 = on the path, 2 = done
        var path: [String] = []
        var pathIndex: [String: Int] = [:]
        // Iterative depth-first search (pipelines may be long chains): each frame is a node and the index of
        // the next edge to follow.
        var frames: [(node: String, next: Int)] = []

        for root in order where state[root] == nil {
            state[root] = 1
            pathIndex[root] = path.count
            path.append(root)
            frames.append((root, 0))
            while let frame = frames.last {
                let targets = edges[frame.node] ?? []
                guard frame.next < targets.count else {
                    frames.removeLast()
                    path.removeLast()
                    pathIndex[frame.node] = nil
                    state[frame.node] = 2
                    continue
                }
                frames[frames.count - 1].next += 1
                let next = targets[frame.next]
                if state[next] == 1, let start = pathIndex[next] {
                    guard found.count < limit else { continue }
                    var cycle = Array(path[start...])
                    let rotation = cycle.indices.min { position[cycle[$0]]! < position[cycle[$1]]! }!
                    cycle = Array(cycle[rotation...] + cycle[..<rotation])
                    if seen.insert(cycle).inserted { found.append(cycle) }
                } else if state[next] == nil {
                    state[next] = 1
                    pathIndex[next] = path.count
                    path.append(next)
                    frames.append((next, 0))
                }
            }
        }
        return found
    }
}
