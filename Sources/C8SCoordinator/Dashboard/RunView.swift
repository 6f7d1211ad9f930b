import C8SAPI
import C8SKube
import Foundation

/// The live part of the run page: summary, matrix children, the DAG as SVG, the step table, conditions and Events.
/// A pure function of the run, its children and events and what the viewer may do.
struct RunView: Sendable {
    var run: PipelineRun
    var children: [PipelineRun]
    var events: [Event]
    var connections: [C8SAPI.RepositoryConnection]
    var mayCancel: Bool
    var mayRerun: Bool
    var csrf: String
    var now: Date

    var namespace: String { run.metadata.namespace ?? "" }
    var name: String { run.metadata.name ?? "" }

    /// The steps to draw: the resolved spec's, else those in the status.
    var layoutInput: [DAGLayout.Input] {
        if let steps = run.status?.resolvedSpec?.steps, !steps.isEmpty {
            return steps.map { .init(name: $0.name, dependsOn: $0.dependsOn) }
        }
        return (run.status?.steps ?? []).map { .init(name: $0.name, dependsOn: []) }
    }

    var html: String {
        var out =
            "<section class=\"summary\"><h1>\(HTML.escape(name)) \(RunFormat.badge(run.status?.phase?.rawValue))</h1>"
        out += "<dl>"
        func item(_ label: String, _ valueHTML: String) {
            guard !valueHTML.isEmpty else { return }
            out += "<dt>\(label)</dt><dd>\(valueHTML)</dd>"
        }
        item("Namespace", HTML.escape(namespace))
        item("Config", HTML.escape(run.spec.pipelineConfigRef.name))
        item("Branch", HTML.escape(run.spec.branch ?? ""))
        item("Commit", RunFormat.commitHTML(run, connections: connections))
        item("Event", HTML.escape(run.spec.event?.rawValue ?? ""))
        item("Triggered by", HTML.escape(run.spec.triggeredBy ?? ""))
        item("Matrix", HTML.escape(RunsTable.combination(run)))
        item("Started", HTML.escape(RunFormat.time(run.status?.startTime)))
        item(
            "Duration",
            HTML.escape(RunFormat.duration(start: run.status?.startTime, end: run.status?.completionTime, now: now)))
        item("Message", HTML.escape(run.status?.message ?? ""))
        out += "</dl><div class=\"actions\">"
        let terminal = run.status?.phase?.isTerminal == true
        if mayCancel && !terminal && run.spec.cancel != true {
            out += form(action: "cancel", label: "Cancel", style: "danger")
        }
        if mayRerun { out += form(action: "rerun", label: "Re-run", style: "primary") }
        out += "</div></section>"

        if !children.isEmpty {
            let succeeded = children.filter { $0.status?.phase == .succeeded }.count
            out += "<section><h2>Matrix <span class=\"aggregate\">\(succeeded)/\(children.count) succeeded</span></h2>"
            out += "<table class=\"grid children\"><thead><tr><th>Run</th><th>Combination</th><th>Phase</th>"
            out += "<th>Duration</th></tr></thead><tbody>"
            for child in children {
                out += "<tr><td><a href=\"\(HTML.escape(RunFormat.runPath(child)))\">"
                out += "\(HTML.escape(child.metadata.name ?? ""))</a></td>"
                out += "<td>\(HTML.escape(RunsTable.combination(child)))</td>"
                out += "<td>\(RunFormat.badge(child.status?.phase?.rawValue))</td>"
                let duration = RunFormat.duration(
                    start: child.status?.startTime, end: child.status?.completionTime, now: now)
                out += "<td>\(HTML.escape(duration))</td></tr>"
            }
            out += "</tbody></table></section>"
        }

        let layout = DAGLayout(layoutInput)
        if !layout.nodes.isEmpty {
            var labels: [String: DAGLayout.NodeLabel] = [:]
            for node in layout.nodes {
                let status = run.status?[step: node.name]
                let phase = status?.phase?.rawValue ?? "Pending"
                let duration = RunFormat.duration(start: status?.startTime, end: status?.completionTime, now: now)
                labels[node.name] = .init(
                    phase: phase.lowercased(), detail: duration.isEmpty ? phase : "\(phase) · \(duration)",
                    link: RunFormat.stepPath(namespace: namespace, run: name, step: node.name))
            }
            out += "<section><h2>Graph</h2><div class=\"dag-box\">\(layout.svg(labels: labels))</div></section>"
            out += stepTable(layout.nodes.map(\.name))
        }
        out += conditionsTable()
        out += eventsTable()
        return out
    }

    func form(action: String, label: String, style: String) -> String {
        let path = RunFormat.runPath(namespace: namespace, name: name) + "/" + action
        return "<form method=\"post\" action=\"\(HTML.escape(path))\" class=\"inline\">"
            + "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(csrf))\">"
            + "<button type=\"submit\" class=\"\(style)\" data-action=\"\(action)\">\(label)</button></form>"
    }

    func stepTable(_ names: [String]) -> String {
        var out = "<section><h2>Steps</h2><table class=\"grid steps\"><thead><tr><th>Step</th><th>Phase</th>"
        out += "<th>Exit code</th><th>Reason</th><th>Node</th><th>Started</th><th>Duration</th><th>Log</th></tr>"
        out += "</thead><tbody>"
        for step in names {
            let status = run.status?[step: step]
            let path = RunFormat.stepPath(namespace: namespace, run: name, step: step)
            out += "<tr data-step=\"\(HTML.escape(step))\">"
            out += "<td><a href=\"\(HTML.escape(path))\">\(HTML.escape(step))</a></td>"
            out += "<td>\(RunFormat.badge(status?.phase?.rawValue))</td>"
            out += "<td class=\"num\">\(status?.exitCode.map(String.init) ?? "")</td>"
            var reason = HTML.escape(status?.reason ?? "")
            if let message = status?.message, !message.isEmpty {
                reason += " <span class=\"muted\">\(HTML.escape(String(message.prefix(300))))</span>"
            }
            out += "<td>\(reason)</td><td>\(HTML.escape(status?.nodeName ?? ""))</td>"
            out += "<td>\(HTML.escape(RunFormat.time(status?.startTime)))</td>"
            let duration = RunFormat.duration(start: status?.startTime, end: status?.completionTime, now: now)
            out += "<td>\(HTML.escape(duration))</td>"
            var log = ""
            if let lines = status?.logs?.lines {
                log = "\(lines) lines" + (status?.logs?.complete == true ? "" : " (live)")
            }
            out += "<td>\(HTML.escape(log))</td></tr>"
        }
        return out + "</tbody></table></section>"
    }

    func conditionsTable() -> String {
        guard let conditions = run.status?.conditions, !conditions.isEmpty else { return "" }
        var out = "<section><h2>Conditions</h2><table class=\"grid conditions\"><thead><tr><th>Type</th>"
        out += "<th>Status</th><th>Reason</th><th>Message</th><th>Since</th></tr></thead><tbody>"
        for condition in conditions {
            out += "<tr><td>\(HTML.escape(condition.type))</td><td>\(HTML.escape(condition.status))</td>"
            out += "<td>\(HTML.escape(condition.reason ?? ""))</td><td>\(HTML.escape(condition.message ?? ""))</td>"
            out += "<td>\(HTML.escape(RunFormat.time(condition.lastTransitionTime)))</td></tr>"
        }
        return out + "</tbody></table></section>"
    }

    func eventsTable() -> String {
        guard !events.isEmpty else { return "" }
        var out = "<section><h2>Events</h2><table class=\"grid events\"><thead><tr><th>Type</th><th>Reason</th>"
        out += "<th>Message</th><th>Count</th><th>Last seen</th></tr></thead><tbody>"
        for event in events.suffix(100) {
            out += "<tr><td>\(HTML.escape(event.type ?? ""))</td><td>\(HTML.escape(event.reason ?? ""))</td>"
            out += "<td>\(HTML.escape(event.message ?? ""))</td>"
            out += "<td class=\"num\">\(event.count.map(String.init) ?? "")</td>"
            out += "<td>\(HTML.escape(RunFormat.time(event.lastTimestamp ?? event.firstTimestamp)))</td></tr>"
        }
        return out + "</tbody></table></section>"
    }
}
