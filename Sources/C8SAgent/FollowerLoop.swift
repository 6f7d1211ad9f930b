import C8SAPI
import C8SKube
import C8SLogs
import Foundation
import Logging

/// The I/O of one ``PodFollower``'s event loop: it tells its ``FollowerDecision`` what happened and carries out
/// the actions it returns (shippers, Secret reads, timers, status writes, the finalizer's removal).
struct FollowerLoop {
    /// The running parts of one container's log.
    struct ContainerState {
        var shipper: LogShipper?
        var live: ShipperLiveSource?
    }

    var pod: StepPod
    let context: AgentContext
    let continuation: AsyncStream<PodFollower.Event>.Continuation
    var logger: Logger
    var decision = FollowerDecision()
    var masker: SecretMasker?
    var containers: [String: ContainerState] = [:]
    var lastSummary: PipelineRun.LogSummary?

    init(pod: StepPod, context: AgentContext, continuation: AsyncStream<PodFollower.Event>.Continuation) {
        self.pod = pod
        self.context = context
        self.continuation = continuation
        var logger = context.logger
        logger[metadataKey: "pod.namespace"] = "\(pod.namespace)"
        logger[metadataKey: "pod.name"] = "\(pod.name)"
        logger[metadataKey: "run.name"] = "\(pod.run)"
        logger[metadataKey: "step.name"] = "\(pod.step)"
        self.logger = logger
    }

    var logURL: String {
        context.configuration.logStoreURL.logURL(namespace: pod.namespace, run: pod.run, step: pod.step)
    }

    func location(_ container: String) throws -> LogLocation {
        try LogLocation(namespace: pod.namespace, run: pod.run, step: pod.step, container: container)
    }

    /// The status ticker and the Pod annotation.
    mutating func start(helpers: inout TaskGroup<Void>) {
        logger.info("following step Pod", metadata: ["pod.uid": "\(pod.uid)"])
        let interval = context.configuration.statusInterval
        let continuation = self.continuation
        helpers.addTask {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                continuation.yield(.tick)
            }
        }
        let (context, pod, logger) = (self.context, self.pod, self.logger)
        helpers.addTask {
            guard let url = await context.advertisedURL.value(), pod.agentURL != url else { return }
            var attempt = 0
            while !Task.isCancelled {
                do {
                    try await context.writer.annotate(namespace: pod.namespace, pod: pod.name, agentURL: url)
                    return
                } catch {
                    context.metrics.statusWriteFailures.increment()
                    logger.warning(
                        "cannot annotate the Pod with the agent URL yet", metadata: ["error.message": "\(error)"])
                }
                attempt += 1
                do { try await Task.sleep(for: context.backoff(attempt: attempt)) } catch { return }
            }
        }
    }

    /// Handles one event; returns true when the loop is done.
    mutating func handle(
        _ event: PodFollower.Event, shippers: inout TaskGroup<Void>, helpers: inout TaskGroup<Void>
    ) async -> Bool {
        switch event {
        case .pod(let newer):
            pod = newer
        case .deleted:
            decision.deleted = true
        case .stop:
            decision.stopping = true
            return true
        case .masker(let value):
            masker = value
        case .shipped(let container, let result):
            shipped(container, result, helpers: &helpers)
        case .retry(let container):
            decision.retryDue(container)
        case .recheck:
            decision.recheckPending = false
        case .tick:
            await writeProgress()
            return false
        case .finalized:
            try? FileManager.default.removeItem(atPath: context.stateDirectory(podUID: pod.uid))
            logger.info("step Pod logs complete; finalizer released")
            return true
        }
        reconcile(shippers: &shippers, helpers: &helpers)
        return false
    }

    /// Asks the decision what the Pod's containers need and does it: start, finish or complete containers' logs;
    /// finalize.
    mutating func reconcile(shippers: inout TaskGroup<Void>, helpers: inout TaskGroup<Void>) {
        let logRoot = context.configuration.logRoot
        let observed = pod.containers.map { name in
            var observation = FollowerDecision.Observation(
                finished: pod.isFinished(name), waiting: pod.phase(of: name) == .waiting)
            if decision.needsDirectory(name) {
                observation.directoryExists = FileManager.default.fileExists(
                    atPath: pod.containerDirectory(logRoot: logRoot, container: name))
            }
            return (name: name, observation: observation)
        }
        var abandoned = false
        for action in decision.reconcile(observed, hasMasker: masker != nil) {
            switch action {
            case .startShipper(let name, let finish):
                guard let masker else { continue }
                let directory = pod.containerDirectory(logRoot: logRoot, container: name)
                if startShipper(name, directory: directory, masker: masker, shippers: &shippers) {
                    if finish { finishShipper(name) }
                } else {
                    abandoned = true
                }
            case .finishShipper(let name):
                finishShipper(name)
            case .completeStored(let name):
                completeStored(name, helpers: &helpers)
            case .requestSecrets:
                requestSecrets(helpers: &helpers)
            case .scheduleRecheck:
                scheduleRecheck(helpers: &helpers)
            case .finalize:
                finalize(helpers: &helpers)
            }
        }
        // A log given up as complete may have been the last one: decide again (once per such container).
        if abandoned { reconcile(shippers: &shippers, helpers: &helpers) }
    }

    func finishShipper(_ name: String) {
        containers[name]?.shipper?.finish()
        containers[name]?.live?.finish()
    }

    /// Starts shipping `name`'s log directory; false when its log cannot be shipped (given up as complete).
    mutating func startShipper(
        _ name: String, directory: String, masker: SecretMasker, shippers: inout TaskGroup<Void>
    ) -> Bool {
        let location: LogLocation
        do {
            location = try self.location(name)
        } catch {
            logger.error(
                "cannot ship a container log", metadata: ["container.name": "\(name)", "error.message": "\(error)"])
            decision.abandon(name)
            return false
        }
        var state = containers[name] ?? ContainerState()
        defer { containers[name] = state }
        let stateDirectory = context.stateDirectory(podUID: pod.uid)
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        } catch {
            logger.error(
                "cannot create the checkpoint directory",
                metadata: ["checkpoint.directory": "\(stateDirectory)", "error.message": "\(error)"])
        }
        var shipperLogger = logger
        shipperLogger[metadataKey: "container.name"] = "\(name)"
        let checkpointPath = "\(stateDirectory)/\(name).checkpoint"
        let shipper = LogShipper(
            directory: directory, location: location, store: context.store, checkpointPath: checkpointPath,
            masker: masker, configuration: context.configuration.shipper, logger: shipperLogger)
        state.shipper = shipper
        if state.live == nil {
            let live = ShipperLiveSource(
                tailer: context.tailer, directory: directory, checkpointPath: checkpointPath, store: context.store,
                location: location, masker: masker)
            state.live = live
            context.live.register(live, namespace: pod.namespace, pod: pod.name, container: name)
        }
        let (tailer, continuation, metrics) = (context.tailer, self.continuation, context.metrics)
        metrics.followedContainers.increment()
        shipperLogger.debug("shipping container log", metadata: ["log.directory": "\(directory)"])
        shippers.addTask {
            let result: Result<LogCompletion?, any Error>
            do {
                result = .success(try await shipper.run(tailer: tailer))
            } catch {
                result = .failure(error)
            }
            metrics.followedContainers.decrement()
            continuation.yield(.shipped(container: name, result))
        }
        return true
    }

    mutating func shipped(
        _ name: String, _ result: Result<LogCompletion?, any Error>, helpers: inout TaskGroup<Void>
    ) {
        containers[name, default: ContainerState()].shipper = nil
        switch result {
        case .success(let completion?):
            decision.shipped(name, .complete)
            containers[name]?.live?.markComplete(lines: completion.lines)
            if let location = try? location(name) {
                context.store.record(LogProgress(completion: completion), for: location)
            }
            logger.debug(
                "container log complete",
                metadata: [
                    "container.name": "\(name)", "log.lines": "\(completion.lines)",
                    "log.chunks": "\(completion.chunks)",
                ])
        case .success(nil):
            decision.shipped(name, .stopped)
        case .failure(let error):
            context.metrics.shipperFailures.increment()
            guard let attempt = decision.shipped(name, .failed) else { return }
            logger.error(
                "container log shipping failed; retrying",
                metadata: [
                    "container.name": "\(name)", "error.message": "\(error)",
                    "retry.after": "\(context.backoff(attempt: attempt))",
                ])
            scheduleRetry(name, attempt: attempt, helpers: &helpers)
        }
    }

    /// The pause before `name`'s shipping is retried.
    func scheduleRetry(_ name: String, attempt: Int, helpers: inout TaskGroup<Void>) {
        let (pause, continuation) = (context.backoff(attempt: attempt), self.continuation)
        helpers.addTask {
            do { try await Task.sleep(for: pause) } catch { return }
            continuation.yield(.retry(container: name))
        }
    }

    /// Reads the Pod's Secrets (retrying with backoff; failures are logged by Secret name only).
    func requestSecrets(helpers: inout TaskGroup<Void>) {
        let (context, pod, logger, continuation) = (self.context, self.pod, self.logger, self.continuation)
        helpers.addTask {
            let resolver = SecretResolver(client: context.client)
            var attempt = 0
            while !Task.isCancelled {
                do throws(SecretReadError) {
                    let masker = try await resolver.masker(
                        namespace: pod.namespace, references: pod.secretReferences, run: pod.run, step: pod.step)
                    continuation.yield(.masker(masker))
                    return
                } catch {
                    attempt += 1
                    logger.warning(
                        "cannot read a Secret to mask the step log; retrying",
                        metadata: [
                            "secret.name": "\(error.name)", "error.message": "\(error.reason)",
                        ])
                }
                do { try await Task.sleep(for: context.backoff(attempt: attempt)) } catch { return }
            }
        }
    }

    func scheduleRecheck(helpers: inout TaskGroup<Void>) {
        let (interval, continuation) = (context.configuration.directoryRecheckInterval, self.continuation)
        helpers.addTask {
            do { try await Task.sleep(for: interval) } catch { return }
            continuation.yield(.recheck)
        }
    }

    /// Completes a container's stored log without reading anything more (empty when nothing was stored).
    func completeStored(_ name: String, helpers: inout TaskGroup<Void>) {
        let (context, logger, continuation) = (self.context, self.logger, self.continuation)
        let location: LogLocation
        do {
            location = try self.location(name)
        } catch {
            continuation.yield(.shipped(container: name, .failure(error)))
            return
        }
        helpers.addTask {
            let result: Result<LogCompletion?, any Error>
            do {
                if let bytes = try await context.store.get(location.completionKey) {
                    result = .success(try LogCompletion.decode(bytes, name: location.completionKey))
                } else {
                    let writer = LogWriter(
                        store: context.store, location: location, configuration: context.configuration.shipper.chunker,
                        logger: logger)
                    try await writer.resume()
                    result = .success(try await writer.finish())
                }
            } catch {
                result = .failure(error)
            }
            continuation.yield(.shipped(container: name, result))
        }
    }

    /// The step summary of this Pod's containers as the store holds them.
    func summary() -> PipelineRun.LogSummary {
        let progress = pod.containers.compactMap { name -> LogProgress? in
            guard let location = try? location(name) else { return nil }
            var value = context.store.progress(of: location)
            value.complete = decision.containers[name]?.complete == true
            return value
        }
        return LogProgress.summary(of: progress)
    }

    /// A progress write while the step runs (skipped when nothing changed since the last one).
    mutating func writeProgress() async {
        guard !decision.finalizing, !decision.stopping else { return }
        let summary = summary()
        guard summary != lastSummary else { return }
        do {
            try await context.writer.writeStepLogs(
                namespace: pod.namespace, run: pod.run, step: pod.step, summary: summary, logURL: logURL)
            lastSummary = summary
        } catch {
            context.metrics.statusWriteFailures.increment()
            logger.warning(
                "cannot write log progress into the run status; retrying", metadata: ["error.message": "\(error)"])
        }
    }

    /// The final status (complete) and then the finalizer's removal, each retried until done.
    func finalize(helpers: inout TaskGroup<Void>) {
        let (context, pod, logger, continuation) = (self.context, self.pod, self.logger, self.continuation)
        let summary = summary()
        let logURL = self.logURL
        helpers.addTask {
            var attempt = 0
            while !Task.isCancelled {
                do {
                    let outcome = try await context.writer.writeStepLogs(
                        namespace: pod.namespace, run: pod.run, step: pod.step, summary: summary, logURL: logURL)
                    if outcome == .gone { logger.warning("the run is gone; its status cannot record the logs") }
                    break
                } catch {
                    context.metrics.statusWriteFailures.increment()
                    logger.warning(
                        "cannot write the final log status; retrying", metadata: ["error.message": "\(error)"])
                }
                attempt += 1
                do { try await Task.sleep(for: context.backoff(attempt: attempt)) } catch { return }
            }
            attempt = 0
            while !Task.isCancelled {
                do {
                    try await context.writer.removeLogsFinalizer(namespace: pod.namespace, pod: pod.name, uid: pod.uid)
                    continuation.yield(.finalized)
                    return
                } catch {
                    context.metrics.statusWriteFailures.increment()
                    logger.warning(
                        "cannot remove the logs finalizer; retrying", metadata: ["error.message": "\(error)"])
                }
                attempt += 1
                do { try await Task.sleep(for: context.backoff(attempt: attempt)) } catch { return }
            }
        }
    }

    /// Asks every running shipper to store and commit what it read and end without completing.
    func stopShippers() {
        for state in containers.values { state.shipper?.stop() }
    }
}
