import C8SAPI
import C8SKube
import Foundation

/// The `c8s describe run` text: the run, its steps (phase, exit code, duration, node, reason), where their logs are,
/// and the run's recent Events, laid out like `kubectl describe`.
public enum RunDescription {
    /// How many Events are shown (the most recent ones).
    public static let maximumEvents = 20

    /// The description of `run` with its `events` as seen at `now`; `eventsUnavailable` says why no events could be
    /// read (shown instead of them).
    public static func render(
        _ run: PipelineRun, events: [Event], eventsUnavailable: String? = nil, now: Date
    ) -> String {
        var fields: [(String, String)] = [
            ("Name", run.metadata.name ?? ""),
            ("Namespace", run.metadata.namespace ?? ""),
            ("Config", run.spec.pipelineConfigRef.name),
            ("Commit", run.spec.commit ?? "-"),
            ("Branch", run.spec.branch ?? "-"),
            ("Event", run.spec.event?.rawValue ?? "-"),
            ("Triggered By", run.spec.triggeredBy ?? "-"),
        ]
        if let matrix = run.spec.matrix, !matrix.isEmpty {
            fields.append(
                (
                    "Matrix",
                    matrix.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                        .joined(separator: ", ")
                ))
        }
        fields.append(("Phase", RunTable.phase(run)))
        fields.append(("Created", timestamp(run.metadata.creationTimestamp?.date, now: now)))
        fields.append(("Started", timestamp(run.status?.startTime?.date, now: now)))
        fields.append(("Completed", timestamp(run.status?.completionTime?.date, now: now)))
        fields.append(
            (
                "Duration",
                RunTable.duration(start: run.status?.startTime?.date, end: run.status?.completionTime?.date, now: now)
            ))
        if let message = run.status?.message, !message.isEmpty { fields.append(("Message", message)) }
        let width = fields.map(\.0.count).max()! + 3
        var text = ""
        for (label, value) in fields {
            text += (label + ":").padding(toLength: width, withPad: " ", startingAt: 0) + value + "\n"
        }

        let steps = self.steps(of: run)
        text += "Steps:\n"
        if steps.isEmpty {
            text += "  <none>\n"
        } else {
            let table = TextTable(
                headers: ["NAME", "PHASE", "EXIT", "DURATION", "NODE", "REASON"],
                rows: steps.map { step in
                    [
                        step.name, step.phase?.rawValue ?? "Pending", step.exitCode.map(String.init) ?? "-",
                        RunTable.duration(start: step.startTime?.date, end: step.completionTime?.date, now: now),
                        step.nodeName ?? "-", reason(step),
                    ]
                })
            text += indent(table.render())
        }
        text += "Logs:\n"
        let logged = steps.filter { $0.logURL != nil || $0.logs != nil }
        if logged.isEmpty {
            text += "  <none>\n"
        } else {
            let table = TextTable(
                headers: ["STEP", "LINES", "STORED", "LOCATION"],
                rows: logged.map { step in
                    [
                        step.name, step.logs?.lines.map(String.init) ?? "-",
                        step.logs?.complete == true ? "complete" : "partial", step.logURL ?? "-",
                    ]
                })
            text += indent(table.render())
        }
        text += "Events:\n"
        let recent = sortedEvents(events).suffix(maximumEvents)
        if let eventsUnavailable {
            text += "  <\(eventsUnavailable)>\n"
        } else if recent.isEmpty {
            text += "  <none>\n"
        } else {
            let table = TextTable(
                headers: ["TYPE", "REASON", "AGE", "FROM", "MESSAGE"],
                rows: recent.map { event in
                    [
                        event.type ?? "Normal", event.reason ?? "",
                        eventTime(event).map { HumanDuration.format(seconds: now.timeIntervalSince($0)) }
                            ?? "<unknown>",
                        event.source?.component ?? event.reportingComponent ?? "",
                        (event.message ?? "").replacingOccurrences(of: "\n", with: " "),
                    ]
                })
            text += indent(table.render())
        }
        return text
    }

    /// The run's steps in the run's order: the status's steps, then steps of the resolved spec not reported yet.
    public static func steps(of run: PipelineRun) -> [PipelineRun.StepStatus] {
        var steps = run.status?.steps ?? []
        let known = Set(steps.map(\.name))
        for step in run.status?.resolvedSpec?.steps ?? [] where !known.contains(step.name) {
            steps.append(PipelineRun.StepStatus(name: step.name, phase: .pending))
        }
        return steps
    }

    /// Events oldest first.
    public static func sortedEvents(_ events: [Event]) -> [Event] {
        events.sorted { (eventTime($0) ?? .distantPast) < (eventTime($1) ?? .distantPast) }
    }

    static func eventTime(_ event: Event) -> Date? {
        event.lastTimestamp?.date ?? event.eventTime?.date ?? event.firstTimestamp?.date
            ?? event.metadata.creationTimestamp?.date
    }

    private static func reason(_ step: PipelineRun.StepStatus) -> String {
        switch (step.reason, step.message) {
        case (let reason?, let message?) where !message.isEmpty: "\(reason): \(message)"
        case (let reason?, _): reason
        case (nil, let message?): message
        default: ""
        }
    }

    private static func timestamp(_ date: Date?, now: Date) -> String {
        guard let date else { return "-" }
        return "\(KubeTime(date)) (\(HumanDuration.format(seconds: now.timeIntervalSince(date))) ago)"
    }

    private static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { "  " + $0 + "\n" }.joined()
    }
}
