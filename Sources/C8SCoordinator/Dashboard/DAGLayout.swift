/// Lays out a pipeline's steps for drawing: each step in the column of its dependency depth (the longest chain of
/// dependencies before it), in declaration order within a column, and an edge from every dependency to its
/// dependent. Linear in steps plus edges; dependencies on unknown steps are ignored, and steps on a cycle (which
/// the validator refuses) go to column 0.
struct DAGLayout: Sendable, Hashable {
    struct Input: Sendable, Hashable {
        var name: String
        var dependsOn: [String]
    }

    struct Node: Sendable, Hashable {
        var name: String
        var column: Int
        var row: Int
        /// Top-left corner in the drawing.
        var x: Int
        var y: Int
    }

    struct Edge: Sendable, Hashable {
        var from: String
        var to: String
    }

    static let nodeWidth = 168
    static let nodeHeight = 48
    static let columnGap = 56
    static let rowGap = 20
    static let margin = 8

    var nodes: [Node]
    var edges: [Edge]
    var width: Int
    var height: Int

    init(_ steps: [Input]) {
        var position: [String: Int] = [:]
        for (offset, step) in steps.enumerated() where position[step.name] == nil { position[step.name] = offset }
        var dependents = Array(repeating: [Int](), count: steps.count)
        var waiting = Array(repeating: 0, count: steps.count)
        var edges: [Edge] = []
        var seenEdges = Set<Edge>()
        for (offset, step) in steps.enumerated() where position[step.name] == offset {
            for dependency in step.dependsOn {
                guard let from = position[dependency], from != offset else { continue }
                let edge = Edge(from: dependency, to: step.name)
                guard seenEdges.insert(edge).inserted else { continue }
                edges.append(edge)
                dependents[from].append(offset)
                waiting[offset] += 1
            }
        }
        // Kahn's algorithm: a step's depth is one more than its deepest dependency.
        var depth = Array(repeating: 0, count: steps.count)
        var ready = (0..<steps.count).filter { waiting[$0] == 0 && position[steps[$0].name] == $0 }
        var cursor = 0
        while cursor < ready.count {
            let current = ready[cursor]
            cursor += 1
            for next in dependents[current] {
                depth[next] = max(depth[next], depth[current] + 1)
                waiting[next] -= 1
                if waiting[next] == 0 { ready.append(next) }
            }
        }
        let placed = Set(ready)
        var rows: [Int: Int] = [:]
        var nodes: [Node] = []
        for (offset, step) in steps.enumerated() where position[step.name] == offset {
            let column = placed.contains(offset) ? depth[offset] : 0
            let row = rows[column, default: 0]
            rows[column] = row + 1
            nodes.append(
                Node(
                    name: step.name, column: column, row: row,
                    x: Self.margin + column * (Self.nodeWidth + Self.columnGap),
                    y: Self.margin + row * (Self.nodeHeight + Self.rowGap)))
        }
        let columns = (rows.keys.max() ?? -1) + 1
        let maximumRows = rows.values.max() ?? 0
        self.nodes = nodes
        self.edges = edges
        width = 2 * Self.margin + max(0, columns * Self.nodeWidth + (columns - 1) * Self.columnGap)
        height = 2 * Self.margin + max(0, maximumRows * Self.nodeHeight + (maximumRows - 1) * Self.rowGap)
    }

    /// The node of a step.
    func node(_ name: String) -> Node? { nodes.first { $0.name == name } }

    /// The SVG path of an edge: a cubic curve from the right side of `from` to the left side of `to`.
    func path(_ edge: Edge) -> String? {
        guard let from = node(edge.from), let to = node(edge.to) else { return nil }
        let x1 = from.x + Self.nodeWidth
        let y1 = from.y + Self.nodeHeight / 2
        let x2 = to.x
        let y2 = to.y + Self.nodeHeight / 2
        let bend = max(16, (x2 - x1) / 2)
        return "M\(x1),\(y1) C\(x1 + bend),\(y1) \(x2 - bend),\(y2) \(x2),\(y2)"
    }
}
