import C8SAPI
import C8SKube
import Foundation

/// The rows of the runs page: a pure function of the cached runs, the connections (for commit links), the filters
/// and the clock. Runs newest first; the children of a matrix run grouped under it (by matrix index) with the
/// aggregate `n/m succeeded`; filters apply to top-level runs, whose children come along.
struct RunsTable: Sendable {
    /// The filters of the page, from its URL.
    struct Filter: Sendable, Hashable {
        static let maximumLength = 253
        var namespace: String?
        var config: String?
        var phase: String?
        var branch: String?

        init(namespace: String? = nil, config: String? = nil, phase: String? = nil, branch: String? = nil) {
            func clean(_ value: String?) -> String? {
                guard let value, !value.isEmpty else { return nil }
                return String(value.prefix(Self.maximumLength))
            }
            self.namespace = clean(namespace)
            self.config = clean(config)
            self.phase = clean(phase)
            self.branch = clean(branch)
        }

        func matches(_ run: PipelineRun) -> Bool {
            if let namespace, run.metadata.namespace != namespace { return false }
            if let config, run.spec.pipelineConfigRef.name != config { return false }
            if let phase, (run.status?.phase?.rawValue ?? "Pending").lowercased() != phase.lowercased() {
                return false
            }
            if let branch, run.spec.branch != branch { return false }
            return true
        }

        /// The query string of these filters (without `?`).
        var query: String {
            [("namespace", namespace), ("config", config), ("phase", phase), ("branch", branch)]
                .compactMap { key, value in value.map { "\(key)=\(HTML.component($0))" } }.joined(separator: "&")
        }
    }

    struct Row: Sendable, Hashable {
        var run: PipelineRun
        var children: [PipelineRun]

        /// `3/4 succeeded` for a matrix parent.
        var aggregate: String? {
            guard !children.isEmpty else { return nil }
            let succeeded = children.filter { $0.status?.phase == .succeeded }.count
            return "\(succeeded)/\(children.count) succeeded"
        }
    }

    /// At most this many top-level runs are shown.
    static let maximumRows = 500

    var rows: [Row]
    var truncated: Bool

    init(runs: [PipelineRun], filter: Filter) {
        var childrenByParent: [String: [PipelineRun]] = [:]
        var names = Set<String>()
        for run in runs { names.insert("\(run.metadata.namespace ?? "")/\(run.metadata.name ?? "")") }
        var top: [PipelineRun] = []
        for run in runs {
            if let parent = run.metadata.labels?[C8SLabels.matrixParent],
                names.contains("\(run.metadata.namespace ?? "")/\(parent)")
            {
                childrenByParent["\(run.metadata.namespace ?? "")/\(parent)", default: []].append(run)
            } else if filter.matches(run) {
                top.append(run)
            }
        }
        top.sort(by: Self.newestFirst)
        truncated = top.count > Self.maximumRows
        rows = top.prefix(Self.maximumRows).map { run in
            let key = "\(run.metadata.namespace ?? "")/\(run.metadata.name ?? "")"
            let children = (childrenByParent[key] ?? []).sorted {
                ($0.spec.matrixIndex ?? 0, $0.metadata.name ?? "") < ($1.spec.matrixIndex ?? 0, $1.metadata.name ?? "")
            }
            return Row(run: run, children: children)
        }
    }

    static func newestFirst(_ a: PipelineRun, _ b: PipelineRun) -> Bool {
        let left = a.metadata.creationTimestamp?.date ?? .distantPast
        let right = b.metadata.creationTimestamp?.date ?? .distantPast
        if left != right { return left > right }
        return (a.metadata.name ?? "") > (b.metadata.name ?? "")
    }

    /// The matrix combination of a child: `go=1.22, os=alpine`.
    static func combination(_ run: PipelineRun) -> String {
        (run.spec.matrix ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }

    /// The `<tbody>` content.
    func html(connections: [C8SAPI.RepositoryConnection], now: Date) -> String {
        guard !rows.isEmpty else { return "<tr class=\"empty\"><td colspan=\"9\">No runs.</td></tr>" }
        var out = ""
        for row in rows {
            let key = RunFormat.key(row.run)
            out += "<tr class=\"run\" data-run=\"\(HTML.escape(key))\">"
            out += "<td>"
            if !row.children.isEmpty {
                out += "<button type=\"button\" class=\"expand\" data-target=\"\(HTML.escape(key))\" "
                out += "aria-expanded=\"false\" title=\"show the matrix runs\">▸ \(row.children.count)</button> "
            }
            out += cells(row.run, connections: connections, now: now, aggregate: row.aggregate)
            out += "</tr>"
            for child in row.children {
                out += "<tr class=\"child\" data-parent=\"\(HTML.escape(key))\" hidden><td>↳ "
                out += cells(child, connections: connections, now: now, aggregate: nil, combination: true)
                out += "</tr>"
            }
        }
        if truncated {
            out += "<tr class=\"more\"><td colspan=\"9\">Only the newest \(Self.maximumRows) runs are shown; "
            out += "narrow the filters.</td></tr>"
        }
        return out
    }

    private func cells(
        _ run: PipelineRun, connections: [C8SAPI.RepositoryConnection], now: Date, aggregate: String?,
        combination: Bool = false
    ) -> String {
        let namespace = run.metadata.namespace ?? ""
        let config = run.spec.pipelineConfigRef.name
        var out = "<a class=\"name\" href=\"\(HTML.escape(RunFormat.runPath(run)))\">"
        out += "\(HTML.escape(run.metadata.name ?? ""))</a>"
        if combination { out += " <span class=\"combo\">\(HTML.escape(Self.combination(run)))</span>" }
        out += "</td><td>\(HTML.escape(namespace))</td><td>\(HTML.escape(config))</td>"
        out += "<td>\(HTML.escape(run.spec.branch ?? ""))</td>"
        out += "<td>\(RunFormat.commitHTML(run, connections: connections))</td>"
        out += "<td>\(HTML.escape(run.spec.event?.rawValue ?? ""))</td>"
        out += "<td>\(RunFormat.badge(run.status?.phase?.rawValue))"
        if let aggregate { out += " <span class=\"aggregate\">\(HTML.escape(aggregate))</span>" }
        out += "</td><td>\(HTML.escape(RunFormat.time(run.status?.startTime)))</td>"
        let duration = RunFormat.duration(start: run.status?.startTime, end: run.status?.completionTime, now: now)
        out += "<td>\(HTML.escape(duration))</td>"
        return out
    }
}
