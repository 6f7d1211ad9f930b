import C8SAPI
import C8SCore
import C8SKube
import Foundation
import Logging

extension PipelineRunReconciler {
    // MARK: - Status, events, configs

    /// Writes the status when it changed, with the run's resourceVersion (a concurrent writer, such as the node
    /// agent adding log summaries, makes this fail with Conflict and the reconcile runs again on fresh data).
    ///
    /// The node agents patch each step's `logs` and `logURL` every few seconds while steps run, so a conflict is
    /// common: when the run changed meanwhile only in fields the coordinator does not own (the agents' log fields,
    /// annotations), the write is retried at once on the fresh object, keeping the agents' values; any other change
    /// makes it fail with Conflict and the reconcile runs again.
    func writeStatus(_ run: PipelineRun, _ status: PipelineRun.Status, logger: Logger) async throws {
        guard status != run.status else { return }
        var updated = run
        updated.status = status
        for attempt in 1... {
            do {
                _ = try await client.updateStatus(updated)
                break
            } catch let error as KubeError where error.isConflict && attempt < 5 {
                guard let fresh = try await client.getIfPresent(
                    PipelineRun.self, name: run.metadata.name ?? "", namespace: run.metadata.namespace),
                    fresh.spec == run.spec, fresh.metadata.deletionTimestamp == nil,
                    PipelineRun.Status.differOnlyInAgentFields(fresh.status, run.status)
                else { throw error }
                logger.debug("run status changed by a node agent meanwhile; writing again on the fresh object")
                updated = fresh
                updated.status = status.keepingAgentFields(of: fresh.status)
            }
        }
        metrics.record(from: run.status, to: status)
        for note in RunEventNote.transitions(from: run.status, to: status) {
            await record(note, about: run, logger: logger)
        }
    }

    /// Records a core/v1 Event about the run (best effort: a failure is logged).
    func record(_ note: RunEventNote, about run: PipelineRun, logger: Logger) async {
        var event = C8SKube.Event(
            about: run, type: note.type, reason: note.reason, message: note.message, component: configuration.component)
        let unique = UInt64(Date().timeIntervalSince1970 * 1_000_000) &* 1000 &+ UInt64.random(in: 0..<1000)
        event.metadata.name = "\(run.metadata.name ?? "run").\(String(unique, radix: 16))"
        event.involvedObject.resourceVersion = run.metadata.resourceVersion
        do {
            _ = try await client.create(event)
        } catch {
            if Task.isCancelled { return }
            logger.warning(
                "cannot record event", metadata: ["event.reason": "\(note.reason)", "error.message": "\(error)"])
        }
    }

    /// Marks a run that cannot start as failed.
    func fail(_ run: PipelineRun, reason: String, message: String, logger: Logger) async throws {
        var status = run.status ?? PipelineRun.Status()
        let now = Date()
        status.phase = .failed
        status.startTime = status.startTime ?? KubeTime(now)
        status.completionTime = KubeTime(now)
        status.message = message
        status.conditions = RunDecision.setCondition(
            status.conditions, status: "False", reason: reason, message: message, generation: run.metadata.generation,
            now: now)
        try await writeStatus(run, status, logger: logger)
        await updateConfigStatus(of: run, logger: logger)
    }

    /// The pipeline the run executes: its snapshot when it has one, else its config's spec (a matrix child: its
    /// parent's snapshot) with the run's matrix values substituted.
    func resolvedSpec(of run: PipelineRun) async throws -> PipelineSpec {
        if let snapshot = run.status?.resolvedSpec { return snapshot }
        var base: PipelineSpec?
        if let parent = run.metadata.labels?[C8SLabels.matrixParent] {
            base = try await client.getIfPresent(PipelineRun.self, name: parent, namespace: run.metadata.namespace)?
                .status?.resolvedSpec
        }
        if base == nil {
            let name = run.spec.pipelineConfigRef.name
            guard let config = try await client.getIfPresent(
                PipelineConfig.self, name: name, namespace: run.metadata.namespace)
            else {
                throw RunSetupError(reason: "ConfigNotFound", message: "PipelineConfig \(name) does not exist")
            }
            base = config.spec
        }
        guard let base else { throw RunSetupError(reason: "ConfigNotFound", message: "no pipeline") }
        // The config may have been stored while admission was down or before a bound was lowered: validation
        // (which counts matrix combinations without expanding them) runs before anything is expanded or kept.
        let problems = PipelineValidator.validate(base)
        if !problems.isEmpty { throw RunSetupError(problems: problems) }
        if let values = run.spec.matrix {
            return MatrixExpansion.resolve(base, with: MatrixCombination(values))
        }
        return base.matrix == nil ? MatrixExpansion.resolve(base, with: MatrixCombination()) : base
    }

    /// Recomputes the PipelineConfig's `lastRun`, `totalRuns` and `successRate` from its top-level runs.
    func updateConfigStatus(of run: PipelineRun, logger: Logger) async {
        guard run.metadata.labels?[C8SLabels.matrixParent] == nil else { return }
        let name = run.spec.pipelineConfigRef.name
        do {
            let runs = try await client.listAll(
                PipelineRun.self, namespace: run.metadata.namespace,
                options: ListOptions(labelSelector: "\(C8SLabels.pipelineConfig)=\(name),!\(C8SLabels.matrixParent)"))
                .items
            let finished = runs.filter { $0.status?.phase?.isTerminal == true }
            let succeeded = finished.filter { $0.status?.phase == .succeeded }.count
            let last = runs.max { a, b in
                let (ta, tb) = (a.metadata.creationTimestamp?.date ?? .distantPast, b.metadata.creationTimestamp?.date ?? .distantPast)
                return ta == tb ? (a.metadata.name ?? "") < (b.metadata.name ?? "") : ta < tb
            }
            let status = PipelineConfig.Status(
                lastRun: last?.metadata.name, totalRuns: Int64(runs.count),
                successRate: finished.isEmpty ? nil : Self.percentage(succeeded, of: finished.count))
            try await client.modify(PipelineConfig.self, name: name, namespace: run.metadata.namespace, status: true) {
                config in
                var merged = config.status ?? PipelineConfig.Status()
                merged.lastRun = status.lastRun
                merged.totalRuns = status.totalRuns
                merged.successRate = status.successRate
                config.status = merged
            }
        } catch {
            if Task.isCancelled { return }
            logger.warning(
                "cannot update the PipelineConfig status",
                metadata: ["config.name": "\(name)", "error.message": "\(error)"])
        }
    }

    /// `87.5%`.
    static func percentage(_ part: Int, of whole: Int) -> String {
        let tenths = (part * 1000 + whole / 2) / whole
        return tenths % 10 == 0 ? "\(tenths / 10)%" : "\(tenths / 10).\(tenths % 10)%"
    }
}

extension PipelineRun.Status {
    /// Whether two statuses are equal but for the fields the node agents write (`logs` and `logURL` of steps).
    static func differOnlyInAgentFields(_ a: PipelineRun.Status?, _ b: PipelineRun.Status?) -> Bool {
        a?.withoutAgentFields == b?.withoutAgentFields
    }

    /// This status without the fields the node agents write.
    var withoutAgentFields: PipelineRun.Status {
        var status = self
        status.steps = steps?.map { step in
            var step = step
            step.logs = nil
            step.logURL = nil
            return step
        }
        return status
    }

    /// This status with each step's `logs` and `logURL` taken from `other` (the agents' latest values).
    func keepingAgentFields(of other: PipelineRun.Status?) -> PipelineRun.Status {
        var status = self
        guard let other, var steps = status.steps else { return status }
        for index in steps.indices {
            guard let theirs = other[step: steps[index].name] else { continue }
            steps[index].logs = theirs.logs
            steps[index].logURL = theirs.logURL
        }
        status.steps = steps
        return status
    }
}
