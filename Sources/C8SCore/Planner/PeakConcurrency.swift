/// The most a run can ask for at one moment: since a step starts as soon as its dependencies succeeded, any set of
/// steps of which none depends (directly or not) on another can run together, so the peak is the largest total
/// weight of such a set — a maximum-weight antichain of the dependency order.
///
/// By Dilworth's theorem in its weighted form that equals the least flow through the DAG that carries at least
/// each step's weight through it; it is computed as a flow with lower bounds (a feasible flow, then a maximum
/// flow back from sink to source to shrink it) with Dinic's algorithm: polynomial in steps and edges, never
/// enumerating sets. Steps named twice, and unknown dependencies, are ignored (validation refuses them).
public enum PeakConcurrency {
    /// The largest total `weight` of steps that can run at the same time.
    public static func peak(of steps: [PipelineStep], weight: (PipelineStep) -> Int64) -> Int64 {
        var index: [String: Int] = [:]
        var unique: [PipelineStep] = []
        for step in steps where index[step.name] == nil {
            index[step.name] = unique.count
            unique.append(step)
        }
        let weights = unique.map { max(0, weight($0)) }
        let total = weights.reduce(0, +)
        guard total > 0 else { return 0 }
        let infinite = total + 1
        // Nodes: 0 source, 1 sink, 2 super source, 3 super sink, then each step's entry and exit.
        var network = FlowNetwork(nodes: 4 + 2 * unique.count)
        let (source, sink, superSource, superSink) = (0, 1, 2, 3)
        for (i, step) in unique.enumerated() {
            let entry = 4 + 2 * i
            let exit = entry + 1
            network.add(source, entry, infinite)
            network.add(exit, sink, infinite)
            network.add(entry, exit, infinite)
            if weights[i] > 0 {
                // The lower bound `weight` of entry → exit, as a demand on both ends.
                network.add(superSource, exit, weights[i])
                network.add(entry, superSink, weights[i])
            }
            for dependency in Set(step.dependsOn) {
                guard let j = index[dependency], j != i else { continue }
                network.add(4 + 2 * j + 1, entry, infinite)
            }
        }
        let back = network.add(sink, source, infinite)
        _ = network.maxFlow(from: superSource, to: superSink)
        let feasible = network.flow(on: back)
        network.remove(back)
        return feasible - network.maxFlow(from: sink, to: source)
    }
}

/// A flow network with Dinic's maximum flow (breadth-first levels, depth-first blocking flows done iteratively).
struct FlowNetwork {
    private var head: [[Int]]
    private var to: [Int] = []
    private var capacity: [Int64] = []

    init(nodes: Int) {
        head = Array(repeating: [], count: nodes)
    }

    /// Adds an edge and its residual twin; returns the edge's number.
    @discardableResult
    mutating func add(_ from: Int, _ target: Int, _ amount: Int64) -> Int {
        let edge = to.count
        head[from].append(edge)
        to.append(target)
        capacity.append(amount)
        head[target].append(edge + 1)
        to.append(from)
        capacity.append(0)
        return edge
    }

    /// The flow carried by `edge` (what its twin can give back).
    func flow(on edge: Int) -> Int64 { capacity[edge + 1] }

    /// Removes an edge and the flow on it from the network.
    mutating func remove(_ edge: Int) {
        capacity[edge] = 0
        capacity[edge + 1] = 0
    }

    mutating func maxFlow(from source: Int, to sink: Int) -> Int64 {
        var total: Int64 = 0
        while true {
            var level = [Int](repeating: -1, count: head.count)
            level[source] = 0
            var queue = [source]
            var position = 0
            while position < queue.count {
                let node = queue[position]
                position += 1
                for edge in head[node] where capacity[edge] > 0 && level[to[edge]] < 0 {
                    level[to[edge]] = level[node] + 1
                    queue.append(to[edge])
                }
            }
            guard level[sink] >= 0 else { return total }
            var next = [Int](repeating: 0, count: head.count)
            while true {
                // One augmenting path along increasing levels, found without recursion.
                var path: [Int] = []
                var node = source
                while node != sink {
                    var advanced = false
                    while next[node] < head[node].count {
                        let edge = head[node][next[node]]
                        if capacity[edge] > 0 && level[to[edge]] == level[node] + 1 {
                            path.append(edge)
                            node = to[edge]
                            advanced = true
                            break
                        }
                        next[node] += 1
                    }
                    if !advanced {
                        guard let last = path.popLast() else { break }
                        level[node] = -1  // dead end: never enter it again in this phase
                        node = to[last ^ 1]
                        next[node] += 1
                    }
                }
                guard node == sink else { break }
                let amount = path.map { capacity[$0] }.min() ?? 0
                for edge in path {
                    capacity[edge] -= amount
                    capacity[edge ^ 1] += amount
                }
                total += amount
            }
        }
    }
}
