import C8SAPI
import C8SCore
import C8SKube
import Foundation
import Logging

extension PipelineRunReconciler {
    // MARK: - Deletion

    /// Deletes the run's Jobs (and matrix children), then removes the cleanup finalizer.
    func finalize(_ run: PipelineRun, logger: Logger) async throws -> WorkResult {
        guard run.metadata.finalizers?.contains(C8SFinalizers.cleanup) == true else { return .done }
        let name = run.metadata.name ?? ""
        let jobs = try await client.list(
            Job.self, namespace: run.metadata.namespace,
            options: ListOptions(labelSelector: "\(C8SLabels.pipelineRun)=\(name)")
        ).items
        let children = try await client.list(
            PipelineRun.self, namespace: run.metadata.namespace,
            options: ListOptions(labelSelector: "\(C8SLabels.matrixParent)=\(name)")
        ).items
        for job in jobs where job.metadata.deletionTimestamp == nil {
            do {
                try await client.delete(
                    Job.self, name: job.metadata.name ?? "", namespace: job.metadata.namespace,
                    options: DeleteOptions(propagationPolicy: .background))
            } catch let error as KubeError where error.isNotFound {}
        }
        for child in children where child.metadata.deletionTimestamp == nil {
            do {
                try await client.delete(
                    PipelineRun.self, name: child.metadata.name ?? "", namespace: child.metadata.namespace,
                    options: DeleteOptions(propagationPolicy: .background))
            } catch let error as KubeError where error.isNotFound {}
        }
        let remainingJobs = try await client.list(
            Job.self, namespace: run.metadata.namespace,
            options: ListOptions(labelSelector: "\(C8SLabels.pipelineRun)=\(name)")
        ).items
        let remainingChildren = try await client.list(
            PipelineRun.self, namespace: run.metadata.namespace,
            options: ListOptions(labelSelector: "\(C8SLabels.matrixParent)=\(name)")
        ).items
        guard remainingJobs.isEmpty, remainingChildren.isEmpty else { return .requeueAfter(.seconds(1)) }
        do {
            try await client.modify(PipelineRun.self, name: name, namespace: run.metadata.namespace) { object in
                object.metadata.finalizers?.removeAll { $0 == C8SFinalizers.cleanup }
            }
            logger.info("cleaned up the run's Jobs; removed the finalizer")
        } catch let error as KubeError where error.isNotFound {}
        return .done
    }
}
