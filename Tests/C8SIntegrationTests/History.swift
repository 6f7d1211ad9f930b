import C8SAPI
import C8SKube

/// Helpers over the histories the scenarios record.
enum History {
    /// The step a Job or Pod belongs to (label `c8s.dev/step`).
    static func step<R: KubeResource>(_ object: R) -> String? { object.metadata.labels?[C8SLabels.step] }

    /// Whether the Job has finished successfully.
    static func isComplete(_ job: Job) -> Bool {
        job.status?.conditions?.contains { $0.type == "Complete" && $0.status == "True" } ?? false
    }

    /// The UIDs of the Jobs ever created for each step.
    static func jobUIDsByStep(_ history: ObjectHistory<Job>) -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for job in history.versions {
            guard let step = step(job), let uid = job.metadata.uid else { continue }
            result[step, default: []].insert(uid)
        }
        return result
    }

    /// Whether a Pod of each of `steps` was in phase Running at the same moment, judged from the ordered stream of
    /// Pod versions.
    static func ranTogether(_ steps: Set<String>, pods history: ObjectHistory<Pod>) -> Bool {
        var running: [String: Bool] = [:]
        for pod in history.versions {
            guard let step = step(pod), steps.contains(step) else { continue }
            running[step] = pod.status?.phase == "Running" && pod.metadata.deletionTimestamp == nil
            if steps.allSatisfy({ running[$0] == true }) { return true }
        }
        return false
    }
}
