import C8SKube
import Foundation

extension ClusterSimulator {
    /// One Job's turn, like the real Job controller (NonIndexed completion mode): create missing Pods, count
    /// them, apply the backoff limit and the active deadline, set the conditions, delete after the TTL.
    func reconcileJob(_ key: ObjectKey) async throws -> WorkResult {
        guard let job = jobs.cache.get(key), let uid = job.metadata.uid, let spec = job.spec else { return .done }
        let namespace = job.metadata.namespace ?? "default"
        let name = job.metadata.name ?? ""
        if job.metadata.deletionTimestamp != nil || spec.suspend == true { return .done }

        let owned = pods.cache.byIndex(Self.controllerUIDIndex, uid)
        let seen = Set(owned.compactMap(\.metadata.name))
        let expected = state.withLock { state -> Set<String> in
            let pending = (state.expectedPods[uid] ?? []).subtracting(seen)
            state.expectedPods[uid] = pending.isEmpty ? nil : pending
            return pending
        }

        var status = job.status ?? JobStatus()
        let now = KubeTime.now()
        if status.isComplete || status.isFailed {
            return try await expireIfDue(job, status: status, namespace: namespace, name: name, now: now)
        }

        let running = owned.filter { !$0.isTerminal }
        let active = running.filter { $0.metadata.deletionTimestamp == nil }
        let succeeded = owned.filter { $0.status?.phase == "Succeeded" }.count
        let failed = owned.filter { $0.status?.phase == "Failed" }.count
        let ready = active.filter {
            $0.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } ?? false
        }
        .count
        let completions = Int(spec.completions ?? 1)
        let parallelism = Int(spec.parallelism ?? 1)
        let backoffLimit = Int(spec.backoffLimit ?? 6)
        if status.startTime == nil { status.startTime = now }
        let startTime = status.startTime ?? now

        var failure: (reason: String, message: String)?
        if let target = status.conditions?.first(where: { $0.type == "FailureTarget" && $0.status == "True" }) {
            failure = (target.reason ?? "BackoffLimitExceeded", target.message ?? "")
        } else if failed > backoffLimit {
            failure = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
        } else if let deadline = spec.activeDeadlineSeconds,
            now.date >= startTime.date.addingTimeInterval(TimeInterval(deadline))
        {
            failure = ("DeadlineExceeded", "Job was active longer than specified deadline")
        }

        var result = WorkResult.done
        var activeCount = active.count + expected.count
        var conditions = status.conditions ?? []
        if let failure {
            setCondition(&conditions, type: "FailureTarget", reason: failure.reason, message: failure.message, now: now)
            for pod in active { try await deletePod(pod) }
            activeCount = 0
            if running.isEmpty && expected.isEmpty {
                setCondition(&conditions, type: "Failed", reason: failure.reason, message: failure.message, now: now)
                result = requeueForTTL(spec, finishedAt: now, now: now)
            }
        } else if succeeded >= completions {
            setCondition(
                &conditions, type: "SuccessCriteriaMet", reason: "CompletionsReached",
                message: "Reached expected number of succeeded pods", now: now)
            setCondition(
                &conditions, type: "Complete", reason: "CompletionsReached",
                message: "Reached expected number of succeeded pods", now: now)
            status.completionTime = now
            result = requeueForTTL(spec, finishedAt: now, now: now)
        } else {
            let wanted = min(parallelism, completions - succeeded) - activeCount
            for _ in 0..<max(0, wanted) {
                let created = try await createPod(for: job, uid: uid, namespace: namespace, name: name)
                state.withLock { _ = $0.expectedPods[uid, default: []].insert(created) }
                activeCount += 1
            }
            if let deadline = spec.activeDeadlineSeconds {
                let remaining = startTime.date.addingTimeInterval(TimeInterval(deadline)).timeIntervalSince(now.date)
                result = .requeueAfter(.milliseconds(Int64(max(0, remaining) * 1000) + 50))
            }
        }
        status.conditions = conditions.isEmpty ? nil : conditions

        var patch: [String: JSONValue] = [
            "startTime": .string(startTime.description),
            "active": activeCount > 0 ? .int(Int64(activeCount)) : .null,
            "succeeded": succeeded > 0 ? .int(Int64(succeeded)) : .null,
            "failed": failed > 0 ? .int(Int64(failed)) : .null,
            "ready": .int(Int64(ready)),
            "terminating": .int(Int64(running.count - active.count)),
        ]
        if let completionTime = status.completionTime { patch["completionTime"] = .string(completionTime.description) }
        if let conditions = status.conditions { patch["conditions"] = try JSONValue(encoding: conditions) }
        var current = job.unknownFields.raw["status"] ?? .null
        if case .null = current { current = try JSONValue(encoding: job.status ?? JobStatus()) }
        var changed = false
        for (field, value) in patch where (current[field] ?? .null) != value {
            changed = true
        }
        if changed {
            do {
                _ = try await client.patch(
                    Job.self, name: name, namespace: namespace, .merge(["status": .object(patch)]),
                    subresource: "status")
            } catch let error as KubeError where error.isNotFound {
                return .done
            }
        }
        return result
    }

    private func setCondition(
        _ conditions: inout [JobCondition], type: String, reason: String, message: String, now: KubeTime
    ) {
        guard !conditions.contains(where: { $0.type == type && $0.status == "True" }) else { return }
        var condition = JobCondition(type: type, status: "True", reason: reason, message: message)
        condition.lastProbeTime = now
        condition.lastTransitionTime = now
        conditions.removeAll { $0.type == type }
        conditions.append(condition)
    }

    private func requeueForTTL(_ spec: JobSpec, finishedAt: KubeTime, now: KubeTime) -> WorkResult {
        guard let ttl = spec.ttlSecondsAfterFinished else { return .done }
        let remaining = finishedAt.date.addingTimeInterval(TimeInterval(ttl)).timeIntervalSince(now.date)
        return .requeueAfter(.milliseconds(Int64(max(0, remaining) * 1000) + 50))
    }

    /// Deletes a finished Job once `ttlSecondsAfterFinished` has passed since it finished (background
    /// propagation: the API server's garbage collector deletes its Pods).
    private func expireIfDue(_ job: Job, status: JobStatus, namespace: String, name: String, now: KubeTime)
        async throws -> WorkResult
    {
        guard let ttl = job.spec?.ttlSecondsAfterFinished else { return .done }
        let finished =
            status.completionTime
            ?? status.conditions?.first { ($0.type == "Failed" || $0.type == "Complete") && $0.status == "True" }?
            .lastTransitionTime ?? now
        let due = finished.date.addingTimeInterval(TimeInterval(ttl))
        guard now.date >= due else {
            return .requeueAfter(.milliseconds(Int64(due.timeIntervalSince(now.date) * 1000) + 50))
        }
        do {
            try await client.delete(
                Job.self, name: name, namespace: namespace,
                options: C8SKube.DeleteOptions(
                    propagationPolicy: .background, preconditions: .init(uid: job.metadata.uid)))
            logger.debug(
                "deleted finished job after its TTL",
                metadata: ["job.namespace": "\(namespace)", "job.name": "\(name)"])
        } catch let error as KubeError where error.isNotFound || error.isConflict {
        }
        return .done
    }

    private func deletePod(_ pod: Pod) async throws {
        do {
            try await client.delete(
                Pod.self, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace,
                options: C8SKube.DeleteOptions(preconditions: .init(uid: pod.metadata.uid)))
        } catch let error as KubeError where error.isNotFound || error.isConflict {
        }
    }

    /// Creates one Pod from the Job's template: `<job>-<5 random>`, the template's labels plus the job labels,
    /// a controller reference to the Job, the template's annotations and finalizers.
    private func createPod(for job: Job, uid: String, namespace: String, name: String) async throws -> String {
        var template = job.unknownFields.raw["spec"]?["template"] ?? .null
        if case .null = template, let typed = job.spec?.template { template = try JSONValue(encoding: typed) }
        var metadata = template["metadata"] ?? [:]
        if case .null = metadata { metadata = [:] }
        var labels = metadata["labels"]?.objectValue ?? [:]
        labels["job-name"] = .string(name)
        labels["batch.kubernetes.io/job-name"] = .string(name)
        labels["controller-uid"] = .string(uid)
        labels["batch.kubernetes.io/controller-uid"] = .string(uid)
        let owner = OwnerReference(
            apiVersion: Job.apiVersion, kind: Job.kind, name: name, uid: uid, controller: true,
            blockOwnerDeletion: true)
        let prefix = String(name.prefix(57)) + "-"
        var podMetadata: [String: JSONValue] = [
            "name": .string(prefix + Self.randomSuffix()),
            "namespace": .string(namespace),
            "labels": .object(labels),
            "ownerReferences": [try JSONValue(encoding: owner)],
        ]
        if let annotations = metadata["annotations"], case .object = annotations {
            podMetadata["annotations"] = annotations
        }
        if let finalizers = metadata["finalizers"], case .array = finalizers { podMetadata["finalizers"] = finalizers }
        let json: JSONValue = [
            "apiVersion": "v1", "kind": "Pod", "metadata": .object(podMetadata), "spec": template["spec"] ?? [:],
        ]
        let pod = try KubeCodec.decode(Pod.self, from: json)
        let created = try await client.create(pod)
        logger.debug(
            "created job pod",
            metadata: [
                "job.namespace": "\(namespace)", "job.name": "\(name)", "pod.name": "\(created.metadata.name ?? "")",
            ])
        return created.metadata.name ?? ""
    }

    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }
}
