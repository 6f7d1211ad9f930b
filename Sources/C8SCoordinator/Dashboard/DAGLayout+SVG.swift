/// The run graph as an SVG element.
extension DAGLayout {
    /// What one node shows.
    struct NodeLabel: Sendable, Hashable {
        /// The phase, lower-cased, used as the class `phase-<phase>` (colours in the stylesheet).
        var phase: String
        /// A short second line: the duration, or the phase.
        var detail: String
        /// Where a click on the node goes.
        var link: String?
    }

    /// `<svg>` with one `<g class="node phase-…" data-step="…">` per step and one
    /// `<path class="edge" data-from data-to>` per dependency; every string escaped.
    func svg(labels: [String: NodeLabel]) -> String {
        var out = "<svg class=\"dag\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" "
        out += "viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"run graph\">"
        out += "<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"8\" "
        out += "markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L8,4 L0,8 z\" class=\"arrowhead\"/>"
        out += "</marker></defs>"
        for edge in edges {
            guard let path = path(edge) else { continue }
            out += "<path class=\"edge\" data-from=\"\(HTML.escape(edge.from))\" data-to=\"\(HTML.escape(edge.to))\" "
            out += "d=\"\(path)\" marker-end=\"url(#arrow)\"/>"
        }
        for node in nodes {
            let label = labels[node.name] ?? NodeLabel(phase: "pending", detail: "Pending")
            let name = HTML.escape(node.name)
            var group = "<g class=\"node phase-\(HTML.escape(label.phase))\" data-step=\"\(name)\" "
            group += "transform=\"translate(\(node.x),\(node.y))\">"
            group += "<rect width=\"\(Self.nodeWidth)\" height=\"\(Self.nodeHeight)\" rx=\"6\"/>"
            group += "<text x=\"10\" y=\"20\" class=\"name\">\(HTML.escape(Self.clip(node.name)))</text>"
            group += "<text x=\"10\" y=\"38\" class=\"detail\">\(HTML.escape(label.detail))</text></g>"
            if let link = label.link {
                out += "<a href=\"\(HTML.escape(link))\">\(group)</a>"
            } else {
                out += group
            }
        }
        return out + "</svg>"
    }

    /// A name short enough for a node (22 characters, an ellipsis past that).
    static func clip(_ name: String) -> String {
        name.count <= 22 ? name : String(name.prefix(21)) + "…"
    }
}
