import C8SAPI
import C8SKube

/// A Kubernetes Event to record about a run: derived from the change between two statuses, so a reconcile that
/// changes nothing records nothing.
public struct RunEventNote: Sendable, Hashable {
    /// `Normal` or `Warning`.
    public var type: String
    public var reason: String
    public var message: String

    public init(type: String = "Normal", reason: String, message: String) {
        self.type = type
        self.reason = reason
        self.message = message
    }

    /// The events for the transition from `old` to `new`.
    public static func transitions(from old: PipelineRun.Status?, to new: PipelineRun.Status) -> [RunEventNote] {
        var notes: [RunEventNote] = []
        if old?.startTime == nil, new.startTime != nil {
            notes.append(RunEventNote(reason: "RunStarted", message: "the run started"))
        }
        for step in new.steps ?? [] {
            let before = old?[step: step.name]
            if before?.jobName == nil, let job = step.jobName {
                notes.append(RunEventNote(reason: "StepStarted", message: "step \(step.name) started (Job \(job))"))
            }
            if step.phase == .pending || step.phase == .running, let reason = step.reason, reason != before?.reason {
                notes.append(
                    RunEventNote(
                        type: "Warning", reason: "StepWaiting", message: "step \(step.name): \(step.message ?? reason)")
                )
            }
            guard let phase = step.phase, phase != before?.phase else { continue }
            let detail = step.message.map { ": \($0)" } ?? ""
            switch phase {
            case .succeeded:
                notes.append(RunEventNote(reason: "StepSucceeded", message: "step \(step.name) succeeded"))
            case .failed:
                notes.append(
                    RunEventNote(
                        type: "Warning", reason: "StepFailed", message: "step \(step.name) failed\(detail)"))
            case .skipped:
                notes.append(
                    RunEventNote(reason: "StepSkipped", message: "step \(step.name) \(step.message ?? "skipped")"))
            case .cancelled:
                notes.append(
                    RunEventNote(
                        type: "Warning", reason: "StepCancelled", message: "step \(step.name) was cancelled"))
            case .pending, .running:
                break
            }
        }
        if let phase = new.phase, phase.isTerminal, phase != old?.phase {
            let message = new.message ?? phase.rawValue
            switch phase {
            case .succeeded: notes.append(RunEventNote(reason: "RunSucceeded", message: message))
            case .failed: notes.append(RunEventNote(type: "Warning", reason: "RunFailed", message: message))
            case .cancelled: notes.append(RunEventNote(type: "Warning", reason: "RunCancelled", message: message))
            default: break
            }
        }
        return notes
    }
}
