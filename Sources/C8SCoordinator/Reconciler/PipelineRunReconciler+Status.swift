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
    ///
    /// Returns the run as written (the server's answer; `run` itself when nothing changed). The Events of the
    /// transition are recorded concurrently, aggregated and capped per run.
    @discardableResult
    func writeStatus(_ run: PipelineRun, _ status: PipelineRun.Status, logger: Logger) async throws -> PipelineRun {
        guard status != run.status else { return run }
        var updated = run
        updated.status = status
        var written = updated
        for attempt in 1... {
            do {
                written = try await client.updateStatus(updated)
                writtenRuns.record(written)
                break
            } catch let error as KubeError where error.isConflict && attempt < 5 {
                guard
                    let fresh = try await client.getIfPresent(
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
        await record(RunEventNote.transitions(from: run.status, to: status), about: run, logger: logger)
        if status.phase?.isTerminal == true, let uid = run.metadata.uid {
            events.withLock { $0.forget(run: uid) }
        }
        return written
    }

    /// Records a core/v1 Event about the run (best effort: a failure is logged).
    func record(_ note: RunEventNote, about run: PipelineRun, logger: Logger) async {
        await record([note], about: run, logger: logger)
    }

    /// Records core/v1 Events about the run, concurrently (best effort: a failure is logged). A note identical to
    /// one recorded before about the run bumps that Event's count; past ``RunEventAggregator/maxEventsPerRun``
    /// writes for a run, notes are dropped.
    func record(_ notes: [RunEventNote], about run: PipelineRun, logger: Logger) async {
        guard !notes.isEmpty else { return }
        let uid = run.metadata.uid ?? run.metadata.name ?? ""
        let actions = events.withLock { aggregator in
            notes.map { note in (note, aggregator.action(for: note, run: uid, name: Self.eventName(of: run))) }
        }
        await withTaskGroup(of: Void.self) { group in
            for (note, action) in actions {
                group.addTask { await self.write(note, action, about: run, logger: logger) }
            }
        }
    }

    /// A fresh Event name: `<run>.<unique hex suffix>`.
    static func eventName(of run: PipelineRun) -> String {
        let unique = UInt64(Date().timeIntervalSince1970 * 1_000_000) &* 1000 &+ UInt64.random(in: 0..<1000)
        return "\(run.metadata.name ?? "run").\(String(unique, radix: 16))"
    }

    private func write(
        _ note: RunEventNote, _ action: RunEventAggregator.Action, about run: PipelineRun, logger: Logger
    ) async {
        do {
            switch action {
            case .drop:
                logger.debug("event dropped: the run's cap is reached", metadata: ["event.reason": "\(note.reason)"])
            case .create(let name):
                var event = C8SKube.Event(
                    about: run, type: note.type, reason: note.reason, message: note.message,
                    component: configuration.component)
                event.metadata.name = name
                event.involvedObject.resourceVersion = run.metadata.resourceVersion
                _ = try await client.create(event)
            case .bump(let name, let count):
                _ = try await client.patch(
                    C8SKube.Event.self, name: name, namespace: run.metadata.namespace,
                    .merge(["count": .int(Int64(count)), "lastTimestamp": .string(KubeTime.now().description)]))
            }
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
        let written = try await writeStatus(run, status, logger: logger)
        await updateConfigStatus(of: written, logger: logger)
    }

    /// The pipeline the run executes: its snapshot when it has one, else its config's spec (a matrix child: its
    /// parent's snapshot) with the run's matrix values substituted.
    func resolvedSpec(of run: PipelineRun) async throws -> PipelineSpec {
        if let snapshot = run.status?.resolvedSpec { return snapshot }
        var base: PipelineSpec?
        if let parent = run.metadata.labels?[C8SLabels.matrixParent] {
            var parentRun = cachedRun(ObjectKey(namespace: run.metadata.namespace, name: parent))
            if parentRun == nil {
                parentRun = try await client.getIfPresent(
                    PipelineRun.self, name: parent, namespace: run.metadata.namespace)
            }
            base = parentRun?.status?.resolvedSpec
        }
        if base == nil {
            let name = run.spec.pipelineConfigRef.name
            guard
                let config = try await client.getIfPresent(
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

    /// Counts a finished top-level run and queues its config's status write (`lastRun`, `totalRuns`,
    /// `successRate`): the config queue coalesces the writes of many runs finishing at once.
    func updateConfigStatus(of run: PipelineRun, logger: Logger) async {
        guard ConfigRunTally.configKey(of: run) != nil else { return }
        let config = tally.withLock { tally in
            tally.apply(run)
            return ConfigRunTally.configKey(of: run)
        }
        if let config { configQueue.add(config) }
    }

    /// Writes a config's status from the tally (a merge patch of the three fields the coordinator owns).
    func writeConfigStatus(_ key: String) async throws -> WorkResult {
        guard let slash = key.firstIndex(of: "/") else { return .done }
        let namespace = String(key[..<slash])
        let name = String(key[key.index(after: slash)...])
        let counts = tally.withLock { $0.counts(of: key) }
        let status: JSONValue = [
            "lastRun": counts.last.map { .string($0) } ?? .null,
            "totalRuns": .int(Int64(counts.total)),
            "successRate": counts.finished == 0
                ? .null : .string(Self.percentage(counts.succeeded, of: counts.finished)),
        ]
        do {
            _ = try await client.patch(
                PipelineConfig.self, name: name, namespace: namespace.isEmpty ? nil : namespace,
                .merge(["status": status]), subresource: "status")
        } catch let error as KubeError where error.isNotFound {
        } catch {
            if Task.isCancelled { return .done }
            logger.warning(
                "cannot update the PipelineConfig status",
                metadata: ["config.name": "\(key)", "error.message": "\(error)"])
            throw error
        }
        return .done
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
