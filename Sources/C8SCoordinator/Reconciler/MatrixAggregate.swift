import C8SAPI
import C8SCore
import C8SKube
import Foundation

/// The status of a matrix parent run from its children: a pure function.
public enum MatrixAggregate {
    /// The name of the child run for combination `index` (at most 63 characters, so it fits a label value).
    public static func childName(parent: String, index: Int) -> String {
        let suffix = "-\(index)"
        var prefix = String(parent.prefix(63 - suffix.count))
        while prefix.hasSuffix("-") || prefix.hasSuffix(".") { prefix.removeLast() }
        return prefix + suffix
    }

    /// The parent's phase, message and `Succeeded` condition given its `expected` children.
    public static func status(
        parent: PipelineRun, children: [PipelineRun], expected: Int, now: Date
    ) -> PipelineRun.Status {
        var status = parent.status ?? PipelineRun.Status()
        if status.startTime == nil { status.startTime = KubeTime(now) }
        let phases = children.compactMap { $0.status?.phase }
        let succeeded = phases.filter { $0 == .succeeded }.count
        let failed = phases.filter { $0 == .failed }.count
        let cancelled = phases.filter { $0 == .cancelled }.count
        let finished = succeeded + failed + cancelled
        var message = "\(succeeded)/\(expected) succeeded"
        if failed > 0 { message += ", \(failed) failed" }
        if cancelled > 0 { message += ", \(cancelled) cancelled" }
        status.message = message
        let conditionStatus: String
        let reason: String
        if children.count >= expected, finished == expected {
            if parent.spec.cancel == true && cancelled > 0 {
                status.phase = .cancelled
            } else if failed + cancelled > 0 {
                status.phase = .failed
            } else {
                status.phase = .succeeded
            }
            status.completionTime = status.completionTime ?? KubeTime(now)
            conditionStatus = status.phase == .succeeded ? "True" : "False"
            reason =
                status.phase == .succeeded ? "Succeeded" : (status.phase == .cancelled ? "Cancelled" : "ChildFailed")
        } else {
            let started = phases.contains { $0 != .pending }
            status.phase = started ? .running : .pending
            conditionStatus = "Unknown"
            reason = started ? "Running" : "Pending"
        }
        status.observedGeneration = parent.metadata.generation
        status.conditions = RunDecision.setCondition(
            status.conditions, status: conditionStatus, reason: reason, message: message,
            generation: parent.metadata.generation, now: now)
        return status
    }
}
