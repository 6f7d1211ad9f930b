import C8SAPI
import C8SKube
import Foundation

/// What `c8s run --wait` prints while it follows a run: one line per change of the run's or a step's phase, computed
/// from two successive states of the run (a pure function of them).
public enum RunProgress {
    /// The lines describing what changed from `old` (nil: nothing seen yet) to `new`.
    public static func transitions(from old: PipelineRun?, to new: PipelineRun) -> [String] {
        var lines: [String] = []
        let name = new.metadata.name ?? ""
        let oldPhase = old.map { $0.status?.phase ?? .pending }
        let newPhase = new.status?.phase ?? .pending
        if oldPhase == nil || (oldPhase != newPhase && !newPhase.isTerminal) {
            if !newPhase.isTerminal { lines.append("run \(name): \(newPhase.rawValue)") }
        }
        if old?.spec.cancel != true, new.spec.cancel == true, !newPhase.isTerminal {
            lines.append("run \(name): cancellation requested")
        }
        let before = Dictionary(
            (old?.status?.steps ?? []).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for step in new.status?.steps ?? [] {
            let previous = before[step.name]?.phase ?? .pending
            let phase = step.phase ?? .pending
            guard phase != previous || (old == nil && phase != .pending) else { continue }
            lines.append(stepLine(step))
        }
        if newPhase.isTerminal, oldPhase != newPhase {
            var line = "run \(name): \(newPhase.rawValue)"
            if let start = new.status?.startTime?.date, let end = new.status?.completionTime?.date {
                line += " in \(HumanDuration.format(seconds: end.timeIntervalSince(start)))"
            }
            if let message = new.status?.message, !message.isEmpty { line += " (\(message))" }
            lines.append(line)
        }
        return lines
    }

    /// `step test: Failed (exit 1, 12s): Error`.
    public static func stepLine(_ step: PipelineRun.StepStatus) -> String {
        let phase = step.phase ?? .pending
        var line = "step \(step.name): \(phase.rawValue)"
        if phase.isTerminal {
            var details: [String] = []
            if let code = step.exitCode { details.append("exit \(code)") }
            if let start = step.startTime?.date, let end = step.completionTime?.date {
                details.append(HumanDuration.format(seconds: end.timeIntervalSince(start)))
            }
            if !details.isEmpty { line += " (\(details.joined(separator: ", ")))" }
            if phase != .succeeded, let reason = step.reason ?? step.message, !reason.isEmpty { line += ": \(reason)" }
        } else if phase == .running, let node = step.nodeName {
            line += " on \(node)"
        }
        return line
    }

    /// The exit status of `c8s run --wait` once the run reached `phase`: 0 Succeeded, 1 Failed, 130 Cancelled.
    public static func exitCode(for phase: PipelineRun.Phase) -> Int32 {
        switch phase {
        case .succeeded: 0
        case .cancelled: 130
        default: 1
        }
    }
}
