import C8SKube

extension Pod {
    var isTerminal: Bool { status?.phase == "Succeeded" || status?.phase == "Failed" }
    var controllerUID: String? {
        metadata.ownerReferences?.first { $0.controller == true && $0.kind == "Job" }?.uid
    }
}

extension ClusterSimulator {
    /// One Pod's turn: schedule it, start it on its node's kubelet, or kill it when it is being deleted.
    func reconcilePod(_ key: ObjectKey) async throws -> WorkResult {
        guard let pod = pods.cache.get(key), let uid = pod.metadata.uid, let spec = pod.spec else { return .done }
        let namespace = pod.metadata.namespace ?? "default"
        let name = pod.metadata.name ?? ""
        if pod.metadata.deletionTimestamp != nil {
            let runtime = state.withLock { $0.runtimes[uid] }
            if let runtime {
                runtime.kill(reason: "Deleted")
            } else if let node = spec.nodeName, isOurs(node), !pod.isTerminal {
                let started = state.withLock { $0.startedPods.contains(uid) }
                if !started { try await markNeverStarted(pod) }
            }
            return .done
        }
        if let exitCode = configuration.immediateExitCode {
            if !pod.isTerminal { try await complete(pod, spec: spec, exitCode: exitCode) }
            return .done
        }
        guard let node = spec.nodeName, !node.isEmpty else {
            return try await schedule(pod, spec: spec, namespace: namespace, name: name, uid: uid)
        }
        state.withLock { _ = $0.assumedPods.removeValue(forKey: uid) }
        guard isOurs(node), !pod.isTerminal else { return .done }
        let start = state.withLock { state in state.startedPods.insert(uid).inserted }
        if start { podStartsContinuation.yield(pod) }
        return .done
    }

    func isOurs(_ node: String) -> Bool { configuration.nodes.contains { $0.name == node } }

    private func schedule(_ pod: Pod, spec: PodSpec, namespace: String, name: String, uid: String) async throws
        -> WorkResult
    {
        let request = PodScheduler.Request(spec: spec)
        // The bound Pods' allocations (kept per Pod event) plus the Pods bound here but not seen bound yet.
        let (allocated, cursor) = state.withLock { state in
            var allocated = state.allocated
            for entry in state.assumedPods.values {
                allocated[entry.node, default: PodScheduler.Request(millicores: 0, memoryBytes: 0)].add(entry.request)
            }
            return (allocated, state.cursor)
        }
        switch PodScheduler(nodes: configuration.nodes).schedule(request, allocated: allocated, cursor: cursor) {
        case .bind(let node):
            state.withLock { state in
                state.assumedPods[uid] = (node, request)
                let index = configuration.nodes.firstIndex { $0.name == node } ?? 0
                state.cursor = index + 1
            }
            _ = try await bind(namespace: namespace, pod: name, node: node)
            logger.debug(
                "bound pod", metadata: ["pod.namespace": "\(namespace)", "pod.name": "\(name)", "node": "\(node)"])
            return .done
        case .unschedulable(let message):
            let current = pod.status?.conditions?.first { $0.type == "PodScheduled" }
            if current?.status != "False" || current?.message != message {
                let condition: JSONValue = [
                    "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                    "message": .string(message), "lastProbeTime": nil,
                    "lastTransitionTime": .string(KubeTime.now().description),
                ]
                _ = try await client.patch(
                    Pod.self, name: name, namespace: namespace,
                    .merge(["status": ["phase": "Pending", "conditions": [condition]]]), subresource: "status")
            }
            return .requeueAfter(.seconds(1))
        }
    }

    /// Ends a Pod at once (``Configuration/immediateExitCode``): every container terminated with `exitCode`, no
    /// process run.
    private func complete(_ pod: Pod, spec: PodSpec, exitCode: Int32) async throws {
        let now = KubeTime.now()
        var model = PodStatusModel(hostIP: "10.0.0.1", podIP: "10.244.0.1", startTime: now)
        model.phase = exitCode == 0 ? "Succeeded" : "Failed"
        let state = PodStatusModel.State.terminated(
            exitCode: exitCode, reason: exitCode == 0 ? "Completed" : "Error", message: nil, startedAt: now,
            finishedAt: now)
        model.initContainers = (spec.initContainers ?? []).map {
            PodStatusModel.ContainerStatus(
                name: $0.name, image: $0.image ?? "",
                state: .terminated(
                    exitCode: 0, reason: "Completed", message: nil, startedAt: now, finishedAt: now))
        }
        model.containers = spec.containers.map {
            PodStatusModel.ContainerStatus(name: $0.name, image: $0.image ?? "", state: state)
        }
        model.setCondition("PodScheduled", true)
        model.setCondition("Ready", false, reason: "PodCompleted")
        do {
            _ = try await client.patch(
                Pod.self, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace,
                .merge(["status": model.json]), subresource: "status")
        } catch let error as KubeError where error.isNotFound {
        }
    }

    /// A Pod deleted before its kubelet started it: every container terminated without having run, phase Failed.
    private func markNeverStarted(_ pod: Pod) async throws {
        guard let spec = pod.spec, let node = spec.nodeName else { return }
        let now = KubeTime.now()
        var model = PodStatusModel(
            hostIP: hostIP(of: node), podIP: pod.status?.podIP ?? "10.244.0.1", startTime: pod.status?.startTime ?? now)
        model.phase = "Failed"
        let state = PodStatusModel.State.terminated(
            exitCode: 137, reason: "ContainerStatusUnknown",
            message: "The container could not be located when the pod was terminated", startedAt: nil, finishedAt: now)
        model.initContainers = (spec.initContainers ?? []).map {
            PodStatusModel.ContainerStatus(name: $0.name, image: $0.image ?? "", state: state)
        }
        model.containers = spec.containers.map {
            PodStatusModel.ContainerStatus(name: $0.name, image: $0.image ?? "", state: state)
        }
        model.setCondition("PodScheduled", true)
        model.setCondition("Ready", false, reason: "PodCompleted")
        do {
            _ = try await client.patch(
                Pod.self, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace,
                .merge(["status": model.json]), subresource: "status")
        } catch let error as KubeError where error.isNotFound {
        }
    }
}
