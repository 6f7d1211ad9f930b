import C8SAPI
import C8SCore
import C8SKube

/// What a step's Job and Pod say about the step: a pure reading of the two objects.
public struct StepObservation: Sendable, Hashable {
    /// The phase shown in the run's status (`Pending` while the Pod waits for a node or an image).
    public var phase: PipelineRun.StepPhase
    /// The phase the planner sees: a step whose Job exists has started, even while its Pod is pending.
    public var plannerPhase: C8SCore.StepPhase
    public var reason: String?
    public var message: String?
    public var exitCode: Int32?
    public var podName: String?
    public var nodeName: String?
    public var startTime: KubeTime?
    public var completionTime: KubeTime?

    /// Image-pull and container-creation problems a user must fix (the Pod never starts by itself).
    static let waitingProblems: Set<String> = [
        "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError",
        "CreateContainerError",
    ]

    /// Reads the step's state from its Job and (when one exists yet) its Pod.
    public static func observe(job: Job, pod: Pod?) -> StepObservation {
        let status = job.status ?? JobStatus()
        let step = pod?.status?.containerStatuses?.first { $0.name == StepJobBuilder.stepContainer }
        let clone = pod?.status?.initContainerStatuses?.first { $0.name == StepJobBuilder.cloneContainer }
        let terminated = step?.state?.terminated
        var observation = StepObservation(
            phase: .pending, plannerPhase: .running, podName: pod?.metadata.name, nodeName: pod?.spec?.nodeName,
            startTime: status.startTime ?? job.metadata.creationTimestamp)

        if status.isComplete {
            observation.phase = .succeeded
            observation.plannerPhase = .succeeded
            observation.exitCode = terminated?.exitCode ?? 0
            observation.completionTime = status.completionTime ?? terminated?.finishedAt
            return observation
        }
        if status.isFailed {
            let condition = status.conditions?.first { $0.type == "Failed" && $0.status == "True" }
            observation.phase = .failed
            observation.plannerPhase = .failed
            observation.exitCode = terminated?.exitCode
            observation.completionTime = condition?.lastTransitionTime ?? terminated?.finishedAt
            if condition?.reason == "DeadlineExceeded" {
                let limit = job.spec?.activeDeadlineSeconds.map { " of \(PipelineDuration.seconds($0))" } ?? ""
                observation.reason = "DeadlineExceeded"
                observation.message = "the step ran longer than its timeout\(limit)"
            } else if terminated?.reason == "OOMKilled" {
                let limit = pod?.spec?.containers.first?.resources?.limits?["memory"].map { " (limit \($0))" } ?? ""
                observation.reason = "OOMKilled"
                observation.message = "the step ran out of memory\(limit) and was killed"
            } else if let cloneExit = clone?.state?.terminated, cloneExit.exitCode != 0 {
                observation.reason = "CloneFailed"
                observation.message = "cloning the repository failed (exit code \(cloneExit.exitCode))"
            } else if let terminated {
                observation.reason = "Error"
                observation.message = "the step's commands failed with exit code \(terminated.exitCode)"
            } else {
                observation.reason = condition?.reason ?? "Failed"
                observation.message = condition?.message ?? "the step's Job failed"
            }
            return observation
        }

        // Still active: look for a reason the Pod does not run.
        for container in [clone, step].compactMap({ $0 }) {
            if let waiting = container.state?.waiting, let reason = waiting.reason, waitingProblems.contains(reason) {
                let image =
                    pod?.spec?.initContainers?.first { $0.name == container.name }?.image
                    ?? pod?.spec?.containers.first { $0.name == container.name }?.image ?? "the image"
                observation.reason = reason
                observation.message =
                    reason.contains("Image")
                    ? "cannot pull image \(image): \(waiting.message ?? reason)"
                    : waiting.message ?? reason
                return observation
            }
        }
        if let scheduled = pod?.status?.conditions?.first(where: { $0.type == "PodScheduled" }),
            scheduled.status == "False"
        {
            observation.reason = scheduled.reason ?? "Unschedulable"
            observation.message = "the step's Pod cannot be scheduled: \(scheduled.message ?? "no node fits")"
            return observation
        }
        if pod?.status?.phase == "Running" || step?.state?.running != nil {
            observation.phase = .running
            observation.startTime = step?.state?.running?.startedAt ?? observation.startTime
        }
        if let terminated, pod?.status?.phase != "Running" {
            // The container ended but the Job controller has not concluded yet.
            observation.exitCode = terminated.exitCode
            observation.phase = .running
        }
        return observation
    }

    /// Reads how a step ended from its Pod alone, once its Job is gone: nil unless the step container terminated.
    public static func observe(finishedPod pod: Pod) -> StepObservation? {
        guard let step = pod.status?.containerStatuses?.first(where: { $0.name == StepJobBuilder.stepContainer }),
            let terminated = step.state?.terminated
        else { return nil }
        var observation = StepObservation(
            phase: terminated.exitCode == 0 ? .succeeded : .failed,
            plannerPhase: terminated.exitCode == 0 ? .succeeded : .failed, exitCode: terminated.exitCode,
            podName: pod.metadata.name, nodeName: pod.spec?.nodeName, startTime: terminated.startedAt,
            completionTime: terminated.finishedAt)
        if terminated.exitCode != 0 {
            observation.reason = terminated.reason == "OOMKilled" ? "OOMKilled" : "Error"
            observation.message =
                terminated.reason == "OOMKilled"
                ? "the step ran out of memory and was killed"
                : "the step's commands failed with exit code \(terminated.exitCode)"
        }
        return observation
    }
}
