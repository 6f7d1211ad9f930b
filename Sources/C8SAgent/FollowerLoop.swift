import C8SAPI
import C8SKube
import C8SLogs
import Foundation
import Logging

/// The state of one ``PodFollower``'s event loop.
struct FollowerLoop {
    struct ContainerState {
        var shipper: LogShipper?
        var live: ShipperLiveSource?
        /// `finish()` was sent to the shipper (or the stored log is being completed without one).
        var finishing = false
        var complete = false
        var retryPending = false
        var failures = 0
    }

    var pod: StepPod
    let context: AgentContext
    let continuation: AsyncStream<PodFollower.Event>.Continuation
    var logger: Logger
    var deleted = false
    var stopping = false
    var masker: SecretMasker?
    var secretsRequested = false
    var recheckPending = false
    var finalizing = false
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
                    logger.warning("cannot annotate the Pod with the agent URL yet", metadata: ["error": "\(error)"])
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
            deleted = true
        case .stop:
            stopping = true
            return true
        case .masker(let value):
            masker = value
        case .shipped(let container, let result):
            shipped(container, result, helpers: &helpers)
        case .retry(let container):
            containers[container, default: ContainerState()].retryPending = false
        case .recheck:
            recheckPending = false
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

    /// Compares what runs with what the Pod needs and acts: start, finish or complete containers' logs; finalize.
    mutating func reconcile(shippers: inout TaskGroup<Void>, helpers: inout TaskGroup<Void>) {
        guard !stopping, !finalizing else { return }
        let logRoot = context.configuration.logRoot
        for name in pod.containers {
            var state = containers[name] ?? ContainerState()
            defer { containers[name] = state }
            if state.complete || state.retryPending { continue }
            let finished = deleted || pod.isFinished(name)
            if let shipper = state.shipper {
                if finished && !state.finishing {
                    state.finishing = true
                    shipper.finish()
                    state.live?.finish()
                }
                continue
            }
            if state.finishing { continue }  // completing the stored log without a shipper
            let directory = pod.containerDirectory(logRoot: logRoot, container: name)
            if FileManager.default.fileExists(atPath: directory) {
                guard let masker else {
                    requestSecrets(helpers: &helpers)
                    continue
                }
                startShipper(name, directory: directory, masker: masker, state: &state, shippers: &shippers)
                if finished {
                    state.finishing = true
                    state.shipper?.finish()
                    state.live?.finish()
                }
            } else if finished {
                // The container never wrote a log (it never started, or its directory is gone): the stored log
                // is completed as it is, an empty log when nothing was stored.
                state.finishing = true
                completeStored(name, helpers: &helpers)
            } else if pod.phase(of: name) != .waiting {
                scheduleRecheck(helpers: &helpers)
            }
        }
        if !pod.containers.isEmpty && pod.containers.allSatisfy({ containers[$0]?.complete == true }) {
            finalizing = true
            finalize(helpers: &helpers)
        }
    }

    mutating func startShipper(
        _ name: String, directory: String, masker: SecretMasker, state: inout ContainerState,
        shippers: inout TaskGroup<Void>
    ) {
        let location: LogLocation
        do {
            location = try self.location(name)
        } catch {
            logger.error("cannot ship a container log", metadata: ["container.name": "\(name)", "error": "\(error)"])
            state.complete = true
            return
        }
        let stateDirectory = context.stateDirectory(podUID: pod.uid)
        do {
            try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        } catch {
            logger.error(
                "cannot create the checkpoint directory",
                metadata: ["path": "\(stateDirectory)", "error": "\(error)"])
        }
        var shipperLogger = logger
        shipperLogger[metadataKey: "container.name"] = "\(name)"
        let checkpointPath = "\(stateDirectory)/\(name).checkpoint"
        let shipper = LogShipper(
            directory: directory, location: location, store: context.store, checkpointPath: checkpointPath,
            masker: masker, configuration: context.configuration.shipper, logger: shipperLogger)
        state.shipper = shipper
        state.finishing = false
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
    }

    mutating func shipped(
        _ name: String, _ result: Result<LogCompletion?, any Error>, helpers: inout TaskGroup<Void>
    ) {
        var state = containers[name] ?? ContainerState()
        defer { containers[name] = state }
        state.shipper = nil
        switch result {
        case .success(let completion?):
            state.complete = true
            state.live?.markComplete(lines: completion.lines)
            if let location = try? location(name) {
                context.store.record(LogProgress(completion: completion), for: location)
            }
            logger.debug("container log complete", metadata: [
                "container.name": "\(name)", "log.lines": "\(completion.lines)", "log.chunks": "\(completion.chunks)",
            ])
        case .success(nil):
            state.finishing = false  // stopped
        case .failure(let error):
            state.failures += 1
            state.finishing = false
            state.retryPending = true
            context.metrics.shipperFailures.increment()
            let pause = context.backoff(attempt: state.failures)
            logger.error("container log shipping failed; retrying", metadata: [
                "container.name": "\(name)", "error": "\(error)", "retry.after": "\(pause)",
            ])
            let continuation = self.continuation
            helpers.addTask {
                do { try await Task.sleep(for: pause) } catch { return }
                continuation.yield(.retry(container: name))
            }
        }
    }

    /// Reads the Pod's Secrets (retrying with backoff; failures are logged by Secret name only).
    mutating func requestSecrets(helpers: inout TaskGroup<Void>) {
        guard !secretsRequested else { return }
        secretsRequested = true
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
                    logger.warning("cannot read a Secret to mask the step log; retrying", metadata: [
                        "secret.name": "\(error.name)", "error": "\(error.reason)",
                    ])
                }
                do { try await Task.sleep(for: context.backoff(attempt: attempt)) } catch { return }
            }
        }
    }

    mutating func scheduleRecheck(helpers: inout TaskGroup<Void>) {
        guard !recheckPending else { return }
        recheckPending = true
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
            value.complete = containers[name]?.complete == true
            return value
        }
        return LogProgress.summary(of: progress)
    }

    /// A progress write while the step runs (skipped when nothing changed since the last one).
    mutating func writeProgress() async {
        guard !finalizing, !stopping else { return }
        let summary = summary()
        guard summary != lastSummary else { return }
        do {
            try await context.writer.writeStepLogs(
                namespace: pod.namespace, run: pod.run, step: pod.step, summary: summary, logURL: logURL)
            lastSummary = summary
        } catch {
            context.metrics.statusWriteFailures.increment()
            logger.warning("cannot write log progress into the run status; retrying", metadata: ["error": "\(error)"])
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
                    logger.warning("cannot write the final log status; retrying", metadata: ["error": "\(error)"])
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
                    logger.warning("cannot remove the logs finalizer; retrying", metadata: ["error": "\(error)"])
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
