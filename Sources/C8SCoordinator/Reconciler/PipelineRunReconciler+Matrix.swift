import C8SAPI
import C8SCore
import C8SKube
import Foundation
import Logging

extension PipelineRunReconciler {
    // MARK: - Matrix parents

    func reconcileParent(_ run: PipelineRun, spec: PipelineSpec, logger: Logger) async throws -> WorkResult {
        let now = Date()
        if run.status?.resolvedSpec == nil {
            // The snapshot comes first: children resolve their pipeline from it.
            var status = run.status ?? PipelineRun.Status()
            status.resolvedSpec = spec
            status.phase = .pending
            status.startTime = KubeTime(now)
            try await writeStatus(run, status, logger: logger)
            return .requeueAfter(.milliseconds(1))
        }
        let name = run.metadata.name ?? ""
        let combinations: [MatrixCombination]
        do {
            combinations = try MatrixExpansion.boundedCombinations(of: spec.matrix)
        } catch {
            let setup = RunSetupError(problems: [error])
            await record(
                RunEventNote(type: "Warning", reason: setup.reason, message: setup.message), about: run, logger: logger)
            try await fail(run, reason: setup.reason, message: setup.message, logger: logger)
            return .done
        }
        let index = Self.indexValue(namespace: run.metadata.namespace, name: name)
        let children = writtenRuns.merged(runs.cache.byIndex(Self.matrixParentIndex, index), group: index)
        let existing = Set(children.compactMap(\.metadata.name))
        for (index, combination) in combinations.enumerated() {
            let childName = MatrixAggregate.childName(parent: name, index: index)
            guard !existing.contains(childName) else { continue }
            var labels = run.metadata.labels ?? [:]
            labels[C8SLabels.matrixParent] = name
            labels[C8SLabels.pipelineConfig] = run.spec.pipelineConfigRef.name
            var childSpec = run.spec
            childSpec.matrix = combination.values
            childSpec.matrixIndex = index
            let child = PipelineRun(
                metadata: ObjectMeta(
                    name: childName, namespace: run.metadata.namespace, labels: labels,
                    annotations: run.metadata.annotations?.filter { $0.key == TriggerAnnotations.selectedSteps },
                    ownerReferences: [OwnerReference(controller: run, blockOwnerDeletion: true)],
                    finalizers: [C8SFinalizers.cleanup]),
                spec: childSpec)
            do {
                writtenRuns.record(try await client.create(child))
                logger.info("created matrix child run", metadata: ["child.name": "\(childName)"])
            } catch let error as KubeError where error.isAlreadyExists {}
        }
        if run.spec.cancel == true {
            for child in children where child.spec.cancel != true && child.status?.phase?.isTerminal != true {
                writtenRuns.record(
                    try await client.patch(
                        PipelineRun.self, name: child.metadata.name ?? "", namespace: child.metadata.namespace,
                        .merge(["spec": ["cancel": true]])))
            }
        }
        let status = MatrixAggregate.status(parent: run, children: children, expected: combinations.count, now: now)
        let written = try await writeStatus(run, status, logger: logger)
        if status.phase?.isTerminal == true { await updateConfigStatus(of: written, logger: logger) }
        return .done
    }
}
