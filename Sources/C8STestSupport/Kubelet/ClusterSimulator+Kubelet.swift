import C8SKube
import Foundation

extension ClusterSimulator {
    /// A container that cannot be configured yet (a missing Secret or key): it waits with
    /// `CreateContainerConfigError` and is retried.
    struct ContainerConfigError: Error {
        var message: String
    }

    /// Runs one Pod on its node to its end: init containers in order, then the containers together.
    func runPod(_ pod: Pod) async {
        guard let spec = pod.spec, let node = spec.nodeName, let uid = pod.metadata.uid else { return }
        let namespace = pod.metadata.namespace ?? "default"
        let name = pod.metadata.name ?? ""
        let (runtime, podIP) = state.withLock { state -> (PodRuntime, String) in
            let runtime = PodRuntime(
                namespace: namespace, name: name, uid: uid, node: node,
                logDirectory: logDirectory(namespace: namespace, pod: name, uid: uid),
                podDirectory: "\(workRoot)/\(uid)")
            state.runtimes[uid] = runtime
            let index = configuration.nodes.firstIndex { $0.name == node } ?? 0
            let ip = "10.244.\(index).\(state.nextPodIP % 250 + 2)"
            state.nextPodIP += 1
            return (runtime, ip)
        }
        defer {
            state.withLock { _ = $0.runtimes.removeValue(forKey: uid) }
            try? FileManager.default.removeItem(atPath: runtime.podDirectory)
        }
        if let current = pods.cache.get(name: name, namespace: namespace), current.metadata.uid == uid {
            if current.metadata.deletionTimestamp != nil { runtime.kill(reason: "Deleted") }
        } else {
            runtime.kill(reason: "Deleted")
        }

        let hasInit = !(spec.initContainers ?? []).isEmpty
        var initial = PodStatusModel(hostIP: hostIP(of: node), podIP: podIP, startTime: .now())
        initial.setCondition("PodReadyToStartContainers", true)
        initial.setCondition(
            "Initialized", !hasInit, reason: hasInit ? "ContainersNotInitialized" : nil,
            message: hasInit ? "containers with incomplete status: \((spec.initContainers ?? []).map(\.name))" : nil)
        let notReady = "containers with unready status: \(spec.containers.map(\.name))"
        initial.setCondition("Ready", false, reason: "ContainersNotReady", message: notReady)
        initial.setCondition("ContainersReady", false, reason: "ContainersNotReady", message: notReady)
        initial.setCondition("PodScheduled", true)
        initial.initContainers = (spec.initContainers ?? []).map {
            .init(name: $0.name, image: $0.image ?? "", state: .waiting(reason: "PodInitializing", message: nil))
        }
        initial.containers = spec.containers.map {
            .init(
                name: $0.name, image: $0.image ?? "",
                state: .waiting(reason: hasInit ? "PodInitializing" : "ContainerCreating", message: nil))
        }
        let publisher = PodStatusPublisher(
            client: client, namespace: namespace, name: name, initial: initial, logger: logger)

        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await publisher.run() }
                await withTaskGroup(of: Void.self) { deadlines in
                    if let deadline = spec.activeDeadlineSeconds {
                        deadlines.addTask {
                            await runtime.waitForKill(orTimeout: .seconds(deadline))
                            if !Task.isCancelled && runtime.killReason == nil {
                                runtime.kill(reason: "DeadlineExceeded")
                            }
                        }
                    }
                    await execute(pod, spec: spec, runtime: runtime, publisher: publisher)
                    deadlines.cancelAll()
                }
                publisher.finish()
            }
        } onCancel: {
            runtime.kill(reason: "Shutdown")
        }
    }

    private func execute(_ pod: Pod, spec: PodSpec, runtime: PodRuntime, publisher: PodStatusPublisher) async {
        let volumes = prepareVolumes(spec, runtime: runtime)
        var initFailed = false
        for container in spec.initContainers ?? [] {
            let code = await runContainer(
                container, isInit: true, pod: pod, volumes: volumes, runtime: runtime,
                publisher: publisher)
            if code != 0 {
                initFailed = true
                break
            }
        }
        var exitCodes: [Int32?] = []
        if !initFailed {
            publisher.update { $0.setCondition("Initialized", true) }
            exitCodes = await withTaskGroup(of: Int32?.self) { group in
                for container in spec.containers {
                    group.addTask {
                        await self.runContainer(
                            container, isInit: false, pod: pod, volumes: volumes, runtime: runtime, publisher: publisher
                        )
                    }
                }
                var codes: [Int32?] = []
                for await code in group { codes.append(code) }
                return codes
            }
        }
        let succeeded = !initFailed && exitCodes.allSatisfy { $0 == 0 }
        let killReason = runtime.killReason
        publisher.update { status in
            let now = KubeTime.now()
            for index in status.initContainers.indices where !status.initContainers[index].state.isTerminated {
                if initFailed || killReason != nil {
                    status.initContainers[index].state = .terminated(
                        exitCode: 137, reason: "ContainerStatusUnknown",
                        message: "The container could not be located when the pod was terminated", startedAt: nil,
                        finishedAt: now)
                }
            }
            for index in status.containers.indices where !status.containers[index].state.isTerminated {
                if !initFailed {
                    status.containers[index].state = .terminated(
                        exitCode: 137, reason: "ContainerStatusUnknown",
                        message: "The container could not be located when the pod was terminated", startedAt: nil,
                        finishedAt: now)
                }
                status.containers[index].ready = false
            }
            status.phase = succeeded ? "Succeeded" : "Failed"
            if killReason == "DeadlineExceeded" {
                status.reason = "DeadlineExceeded"
                status.message = "Pod was active on the node longer than the specified deadline"
            }
            status.setCondition("PodReadyToStartContainers", false)
            status.setCondition("Ready", false, reason: "PodCompleted")
            status.setCondition("ContainersReady", false, reason: "PodCompleted")
        }
    }

    /// Host directories of the Pod's `emptyDir` volumes (other volume types are not simulated).
    private func prepareVolumes(_ spec: PodSpec, runtime: PodRuntime) -> [String: String] {
        var volumes: [String: String] = [:]
        for volume in spec.volumes ?? [] {
            guard let name = volume["name"]?.stringValue, volume["emptyDir"] != nil else { continue }
            let path = "\(runtime.podDirectory)/volumes/kubernetes.io~empty-dir/\(name)"
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            volumes[name] = path
        }
        return volumes
    }

    /// Runs one container to its end; its exit code, or nil when it never ran (the Pod was killed first).
    private func runContainer(
        _ container: Container, isInit: Bool, pod: Pod, volumes: [String: String], runtime: PodRuntime,
        publisher: PodStatusPublisher
    ) async -> Int32? {
        var mounts: [(mountPath: String, hostPath: String)] = []
        for mount in container.volumeMounts ?? [] {
            guard let volume = mount["name"]?.stringValue, let hostPath = volumes[volume],
                let mountPath = mount["mountPath"]?.stringValue
            else { continue }
            var path = hostPath
            if let subPath = mount["subPath"]?.stringValue, !subPath.isEmpty {
                path += "/" + subPath
                try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
            mounts.append((mountPath, path))
        }
        let paths = ContainerEnvironment(mounts: mounts, root: "\(runtime.podDirectory)/rootfs/\(container.name)")

        var environment: [String] = []
        while runtime.killReason == nil {
            do {
                environment = try await resolveEnvironment(container, pod: pod, paths: paths)
                break
            } catch let error as ContainerConfigError {
                publisher.update { status in
                    status.update(container.name, isInit: isInit) {
                        $0.state = .waiting(reason: "CreateContainerConfigError", message: error.message)
                    }
                }
                await runtime.waitForKill(orTimeout: configuration.configRetryInterval)
            } catch {
                logger.warning("cannot read container configuration", metadata: ["error.message": "\(error)"])
                await runtime.waitForKill(orTimeout: configuration.configRetryInterval)
            }
        }
        guard runtime.killReason == nil else { return nil }

        let workingDirectory = paths.workingDirectory(container.workingDir)
        try? FileManager.default.createDirectory(atPath: workingDirectory, withIntermediateDirectories: true)
        let argv = ((container.command ?? []) + (container.args ?? [])).map(paths.rewrite)
        let containerID =
            "containerd://"
            + (0..<4).map { _ in
                String(UInt64.random(in: 0...UInt64.max), radix: 16).leftPadded(16)
            }.joined()
        let started = KubeTime.now()
        let process: ContainerProcess
        do {
            guard !argv.isEmpty else {
                throw ClusterSimulatorError.configuration(
                    "container \(container.name) has no command (images are not run)")
            }
            let logFile = try CRILogFile(
                directory: "\(runtime.logDirectory)/\(container.name)", policy: configuration.logRotation)
            process = try ContainerProcess.start(
                ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", workingDirectory] + argv, environment: environment,
                logFile: logFile)
        } catch {
            publisher.update { status in
                status.update(container.name, isInit: isInit) {
                    $0.containerID = containerID
                    $0.state = .terminated(
                        exitCode: 128, reason: "StartError", message: "\(error)", startedAt: started,
                        finishedAt: .now())
                }
            }
            return 128
        }
        guard runtime.register(container.name, process) else {
            _ = await process.waitForExit()
            return nil
        }
        publisher.update { status in
            status.update(container.name, isInit: isInit) {
                $0.containerID = containerID
                $0.state = .running(startedAt: started)
                $0.started = true
                $0.ready = !isInit
            }
            if !isInit && status.containers.allSatisfy({ $0.ready }) {
                status.phase = "Running"
                status.setCondition("ContainersReady", true)
                status.setCondition("Ready", true)
            }
            if isInit && status.phase == "Pending" {
                status.setCondition("PodReadyToStartContainers", true)
            }
        }
        let exitCode = await process.waitForExit()
        runtime.unregister(container.name)
        publisher.update { status in
            status.update(container.name, isInit: isInit) {
                $0.ready = false
                $0.started = false
                $0.state = .terminated(
                    exitCode: exitCode, reason: exitCode == 0 ? "Completed" : "Error", message: nil, startedAt: started,
                    finishedAt: .now())
            }
            if !isInit && status.phase == "Running" {
                let notReady = "containers with unready status: \(status.containers.filter { !$0.ready }.map(\.name))"
                status.setCondition("ContainersReady", false, reason: "ContainersNotReady", message: notReady)
                status.setCondition("Ready", false, reason: "ContainersNotReady", message: notReady)
            }
        }
        return exitCode
    }

    /// The container's environment: a base (PATH, HOSTNAME, HOME, the API server's service variables), then its
    /// `env` in order, `secretKeyRef` read from the API and `fieldRef` from the Pod.
    private func resolveEnvironment(_ container: Container, pod: Pod, paths: ContainerEnvironment) async throws
        -> [String]
    {
        let namespace = pod.metadata.namespace ?? "default"
        var variables: [(String, String)] = [
            ("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            ("HOSTNAME", pod.metadata.name ?? ""),
            ("HOME", paths.root),
            ("KUBERNETES_SERVICE_HOST", apiServer.host ?? "127.0.0.1"),
            ("KUBERNETES_SERVICE_PORT", String(apiServer.port ?? 80)),
        ]
        var secrets: [String: Secret?] = [:]
        for variable in container.env ?? [] {
            if let value = variable.value {
                variables.append((variable.name, paths.rewrite(value)))
                continue
            }
            guard let source = variable.valueFrom else {
                variables.append((variable.name, ""))
                continue
            }
            if let ref = source["secretKeyRef"] {
                let secretName = ref["name"]?.stringValue ?? ""
                let key = ref["key"]?.stringValue ?? ""
                let optional = ref["optional"]?.boolValue ?? false
                if secrets[secretName] == nil {
                    secrets[secretName] = .some(
                        try await client.getIfPresent(Secret.self, name: secretName, namespace: namespace))
                }
                guard let secret = secrets[secretName] ?? nil else {
                    if optional { continue }
                    throw ContainerConfigError(message: "secret \"\(secretName)\" not found")
                }
                guard let bytes = secret.value(key) else {
                    if optional { continue }
                    throw ContainerConfigError(message: "couldn't find key \(key) in Secret \(namespace)/\(secretName)")
                }
                variables.append((variable.name, String(decoding: bytes, as: UTF8.self)))
            } else if let path = source["fieldRef"]?["fieldPath"]?.stringValue {
                let value: String? =
                    switch path {
                    case "metadata.name": pod.metadata.name
                    case "metadata.namespace": namespace
                    case "metadata.uid": pod.metadata.uid
                    case "spec.nodeName": pod.spec?.nodeName
                    case "spec.serviceAccountName": pod.spec?.serviceAccountName
                    case "status.hostIP": pod.spec?.nodeName.map(hostIP(of:))
                    default: nil
                    }
                variables.append((variable.name, value ?? ""))
            } else {
                throw ContainerConfigError(
                    message: "env \(variable.name): only secretKeyRef and fieldRef are simulated")
            }
        }
        var merged: [String: String] = [:]
        var order: [String] = []
        for (name, value) in variables {
            if merged[name] == nil { order.append(name) }
            merged[name] = value
        }
        return order.map { "\($0)=\(merged[$0]!)" }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
