import C8SAPI
import C8SCore
import C8SKube
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Reconciles PipelineRuns: level-triggered and idempotent, like controller-runtime's `Reconcile`.
///
/// Informers on PipelineRuns, Jobs and Pods (the last two restricted to objects carrying the
/// `c8s.dev/pipeline-run` label) feed run keys into a `WorkQueue`; each reconcile reads the world (the run, its
/// resolved pipeline, its Jobs and Pods), lets ``RunDecision`` (the planner) compute the difference, acts on it
/// (creates Jobs under deterministic names, adopting one that already exists; deletes terminated Jobs; writes the
/// status conflict-safely; records Events) and asks to be called again at the planner's next deadline.
///
/// The world is read from the informers' caches, like controller-runtime's cached client: Jobs and Pods through an
/// index by run (`namespace/run` of the `c8s.dev/pipeline-run` label), matrix children through one by parent
/// (`c8s.dev/matrix-parent`), with the objects this coordinator wrote but its informers have not shown yet laid
/// over them (``RecentWrites``), and the RepositoryConnections (clone credentials, commit status) through one by
/// config, so a reconcile never lists from the API server and never acts on an older copy of
/// its own write. All ready steps' Jobs are created at once, concurrently; Events are aggregated and capped per
/// run (``RunEventAggregator``); PipelineConfig statuses come from counters kept from the run informer
/// (``ConfigRunTally``), written through a queue of their own that coalesces many finishing runs into few writes.
///
/// `run()` runs until its task is cancelled (it is a `Service`); run it under a `LeaderElector` when several
/// coordinators are deployed.
public final class PipelineRunReconciler: Service, Sendable {
    public let configuration: ReconcilerConfiguration
    public let queue: WorkQueue<ObjectKey>
    /// Runs whose commit status may be due (only used with ``ReconcilerConfiguration/commitStatus``).
    let statusQueue: WorkQueue<ObjectKey>
    let client: KubeClient
    let runs: Informer<PipelineRun>
    let jobs: Informer<Job>
    let pods: Informer<Pod>
    /// RepositoryConnections (clone credentials, commit status), indexed by `namespace/config` of their
    /// `pipelineConfigRef`.
    let connections: Informer<C8SAPI.RepositoryConnection>
    let builder: StepJobBuilder
    let metrics: ReconcilerMetrics
    let logger: Logger
    /// Runs this coordinator wrote (status, metadata, matrix children) that the run informer has not shown yet,
    /// grouped by matrix parent.
    let writtenRuns: RecentWrites<PipelineRun>
    /// Step Jobs this coordinator created that the Job informer has not shown yet, grouped by run.
    let createdJobs: RecentWrites<Job>
    /// The counts behind every PipelineConfig's status.
    let tally = Mutex(ConfigRunTally())
    /// Configs (`namespace/name`) whose status is to be written again.
    let configQueue: WorkQueue<String>
    /// Aggregation and per-run caps of the Events recorded about runs.
    let events = Mutex(RunEventAggregator())
    private let synced = Mutex(false)

    /// The cache index of Jobs and Pods by `namespace/run` (their `c8s.dev/pipeline-run` label).
    static let runIndex = "run"
    /// The cache index of runs by `namespace/parent` (their `c8s.dev/matrix-parent` label).
    static let matrixParentIndex = "matrix-parent"

    /// The cache index of RepositoryConnections by `namespace/config` of their `pipelineConfigRef`.
    static let configIndex = "config"

    /// `namespace/name`: the value of the indices.
    static func indexValue(namespace: String?, name: String) -> String { "\(namespace ?? "")/\(name)" }

    /// An indexer filing objects under `namespace/<value of label>`.
    static func labelIndexer<R: KubeResource>(_ label: String) -> Indexer<R> {
        Indexer { object in
            object.metadata.labels?[label].map { [indexValue(namespace: object.metadata.namespace, name: $0)] } ?? []
        }
    }

    public init(
        client: KubeClient, configuration: ReconcilerConfiguration = .init(), metrics: ReconcilerMetrics = .init(),
        logger: Logger = Logger(label: "c8s.reconciler")
    ) {
        self.client = client
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        builder = StepJobBuilder(configuration: configuration)
        queue = WorkQueue(logger: logger)
        statusQueue = WorkQueue(logger: logger)
        configQueue = WorkQueue(logger: logger)
        runs = Informer(
            client: client, configuration: .init(namespace: configuration.namespace),
            indexers: [Self.matrixParentIndex: Self.labelIndexer(C8SLabels.matrixParent)], logger: logger)
        jobs = Informer(
            client: client,
            configuration: .init(namespace: configuration.namespace, labelSelector: C8SLabels.pipelineRun),
            indexers: [Self.runIndex: Self.labelIndexer(C8SLabels.pipelineRun)], logger: logger)
        pods = Informer(
            client: client,
            configuration: .init(namespace: configuration.namespace, labelSelector: C8SLabels.pipelineRun),
            indexers: [Self.runIndex: Self.labelIndexer(C8SLabels.pipelineRun)], logger: logger)
        connections = Informer(
            client: client, configuration: .init(namespace: configuration.namespace),
            indexers: [
                Self.configIndex: Indexer { connection in
                    let config = connection.spec.pipelineConfigRef.name
                    return [Self.indexValue(namespace: connection.metadata.namespace, name: config)]
                }
            ], logger: logger)
        let writtenRuns = RecentWrites<PipelineRun> { run in
            run.metadata.labels?[C8SLabels.matrixParent].map {
                Self.indexValue(namespace: run.metadata.namespace, name: $0)
            }
        }
        let createdJobs = RecentWrites<Job> { job in
            job.metadata.labels?[C8SLabels.pipelineRun].map {
                Self.indexValue(namespace: job.metadata.namespace, name: $0)
            }
        }
        self.writtenRuns = writtenRuns
        self.createdJobs = createdJobs
        let queue = self.queue
        // The overlays and counters first: a reconcile that the next handler queues reads them.
        runs.addHandler(
            InformerHandler(
                onAdd: { [weak self] run in
                    writtenRuns.observed(run)
                    self?.tally.withLock { _ = $0.apply(run) }
                },
                onUpdate: { [weak self] _, run in
                    writtenRuns.observed(run)
                    self?.tally.withLock { _ = $0.apply(run) }
                },
                onDelete: { [weak self] run in
                    writtenRuns.deleted(run)
                    self?.events.withLock { $0.forget(run: run.metadata.uid ?? "") }
                    if let config = self?.tally.withLock({ $0.remove(run) }) { self?.configQueue.add(config) }
                }))
        jobs.addHandler(
            InformerHandler(
                onAdd: { createdJobs.observed($0) }, onUpdate: { _, job in createdJobs.observed(job) },
                onDelete: { createdJobs.deleted($0) }))
        runs.addHandler(
            InformerHandler(
                onAdd: { Self.enqueue(run: $0, into: queue) },
                onUpdate: { _, new in Self.enqueue(run: new, into: queue) },
                onDelete: { Self.enqueue(run: $0, into: queue) }))
        if configuration.commitStatus != nil {
            let statusQueue = self.statusQueue
            runs.addHandler(
                InformerHandler(
                    onAdd: { Self.enqueueStatus(of: $0, into: statusQueue) },
                    onUpdate: { _, new in Self.enqueueStatus(of: new, into: statusQueue) },
                    onDelete: { _ in }))
        }
        let owned: @Sendable (ObjectMeta) -> Void = { metadata in
            guard let run = metadata.labels?[C8SLabels.pipelineRun] else { return }
            queue.add(ObjectKey(namespace: metadata.namespace, name: run))
        }
        jobs.addHandler(
            InformerHandler(
                onAdd: { owned($0.metadata) }, onUpdate: { _, new in owned(new.metadata) },
                onDelete: { owned($0.metadata) }))
        pods.addHandler(
            InformerHandler(
                onAdd: { owned($0.metadata) }, onUpdate: { _, new in owned(new.metadata) },
                onDelete: { owned($0.metadata) }))
    }

    /// Whether the informers have listed everything once (the reconciler is working).
    public var hasSynced: Bool { synced.withLock { $0 } }

    /// Watches and reconciles until the task is cancelled; may run again afterwards (a coordinator that lost and
    /// regained leadership): the informers list again and the queue resumes.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.runs.run() }
            group.addTask { try await self.jobs.run() }
            group.addTask { try await self.pods.run() }
            group.addTask { try await self.connections.run() }
            guard await runs.waitForSync(), await jobs.waitForSync(), await pods.waitForSync(),
                await connections.waitForSync()
            else { return }
            synced.withLock { $0 = true }
            logger.info("reconciler started", metadata: ["reconciler.namespace": "\(configuration.namespace ?? "*")"])
            group.addTask {
                await self.configQueue.run(workers: 1) { key in try await self.writeConfigStatus(key) }
            }
            if let commitStatus = configuration.commitStatus {
                group.addTask {
                    let reporter = CommitStatusReporter(
                        httpClient: commitStatus.httpClient, retryPolicy: commitStatus.retryPolicy)
                    await self.statusQueue.run(workers: commitStatus.workers) { key in
                        try await self.reportCommitStatus(key, reporter: reporter, settings: commitStatus)
                    }
                }
            }
            await queue.run(workers: configuration.workers) { key in
                do {
                    return try await self.reconcile(key)
                } catch let error as KubeError where error.isConflict {
                    // Another writer (the node agent adding log summaries, a user patching the run) got there
                    // first: an expected race, not a failure. Read the world again with the key's backoff.
                    self.logger.debug(
                        "run changed meanwhile; reconciling again", metadata: ["run.name": "\(key)"])
                    return .retry
                }
            }
            synced.withLock { $0 = false }
        }
    }

    private static func enqueue(run: PipelineRun, into queue: WorkQueue<ObjectKey>) {
        queue.add(run.key)
        if let parent = run.metadata.labels?[C8SLabels.matrixParent] {
            queue.add(ObjectKey(namespace: run.metadata.namespace, name: parent))
        }
    }

    /// Reconciles one run.
    public func reconcile(_ key: ObjectKey) async throws -> WorkResult {
        metrics.queueDepth.record(queue.state.count)
        var logger = self.logger
        logger[metadataKey: "run.name"] = "\(key)"
        guard var run = cachedRun(key) else { return .done }
        if run.metadata.deletionTimestamp != nil {
            return try await finalize(run, logger: logger)
        }
        if run.status?.phase?.isTerminal == true { return .done }
        run = try await ensureMetadata(run)

        let spec: PipelineSpec
        do {
            spec = try await resolvedSpec(of: run)
        } catch let error as RunSetupError {
            logger.warning("run cannot start", metadata: ["reason": "\(error.reason)"])
            await record(
                RunEventNote(type: "Warning", reason: error.reason, message: error.message), about: run, logger: logger)
            try await fail(run, reason: error.reason, message: error.message, logger: logger)
            return .done
        }
        if spec.matrix != nil, run.spec.matrix == nil {
            return try await reconcileParent(run, spec: spec, logger: logger)
        }
        return try await reconcileLeaf(run, spec: spec, logger: logger)
    }

    /// The run as the cache (or this coordinator's last write of it, when newer) holds it.
    func cachedRun(_ key: ObjectKey) -> PipelineRun? {
        writtenRuns.latest(runs.cache.get(key), key: key)
    }

    /// Adds the cleanup finalizer and the pipeline-config label when missing: an update of the cached copy, and
    /// on a conflict a read-modify-write of the current object.
    func ensureMetadata(_ run: PipelineRun) async throws -> PipelineRun {
        let config = run.spec.pipelineConfigRef.name
        guard
            run.metadata.finalizers?.contains(C8SFinalizers.cleanup) != true
                || run.metadata.labels?[C8SLabels.pipelineConfig] != config
        else { return run }
        let change: @Sendable (inout PipelineRun) -> Void = { object in
            if object.metadata.finalizers?.contains(C8SFinalizers.cleanup) != true {
                object.metadata.finalizers = (object.metadata.finalizers ?? []) + [C8SFinalizers.cleanup]
            }
            object.metadata.labels = (object.metadata.labels ?? [:]).merging([C8SLabels.pipelineConfig: config]) { $1 }
        }
        var changed = run
        change(&changed)
        let written: PipelineRun
        do {
            written = try await client.update(changed)
        } catch let error as KubeError where error.isConflict {
            written = try await client.modify(
                PipelineRun.self, name: run.metadata.name ?? "", namespace: run.metadata.namespace, change)
        }
        writtenRuns.record(written)
        return written
    }

    // MARK: - Leaf runs

    func reconcileLeaf(_ run: PipelineRun, spec: PipelineSpec, logger: Logger) async throws -> WorkResult {
        let index = Self.indexValue(namespace: run.metadata.namespace, name: run.metadata.name ?? "")
        let ownedJobs = createdJobs.merged(jobs.cache.byIndex(Self.runIndex, index), group: index)
            .filter { job in job.metadata.ownerReferences?.contains { $0.uid == run.metadata.uid } ?? false }
        let stepPods = pods.cache.byIndex(Self.runIndex, index)
        var jobsByStep: [String: Job] = [:]
        for job in ownedJobs {
            if let step = job.metadata.labels?[C8SLabels.step] { jobsByStep[step] = job }
        }
        var podsByStep: [String: Pod] = [:]
        for pod in stepPods.sorted(by: {
            ($0.metadata.creationTimestamp?.date ?? .distantPast)
                < ($1.metadata.creationTimestamp?.date ?? .distantPast)
        }) {
            if let step = pod.metadata.labels?[C8SLabels.step] { podsByStep[step] = pod }
        }

        let now = Date()
        var decision = RunDecision.decide(run: run, spec: spec, jobs: jobsByStep, pods: podsByStep, now: now)
        let clone = decision.create.isEmpty ? nil : try await cloneSource(for: run, spec: spec)
        // Every ready step's Job at once.
        let outcomes = try await withThrowingTaskGroup(of: (String, JobCreation).self) { group in
            for step in decision.create {
                let job = builder.job(run: run, spec: spec, step: step, clone: clone)
                group.addTask { (step.name, try await self.createJob(job, step: step, run: run, clone: clone)) }
            }
            var outcomes: [(String, JobCreation)] = []
            for try await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        for (step, outcome) in outcomes {
            switch outcome {
            case .created, .adopted:
                break
            case .failed(let reason, let message):
                decision.status.markStep(step, phase: .failed, reason: reason, message: message, now: now)
            }
        }
        for name in decision.delete {
            do {
                try await client.delete(
                    Job.self, name: name, namespace: run.metadata.namespace,
                    options: DeleteOptions(propagationPolicy: .background))
            } catch let error as KubeError where error.isNotFound {}
        }
        let written = try await writeStatus(run, decision.status, logger: logger)
        if decision.status.phase?.isTerminal == true {
            await updateConfigStatus(of: written, logger: logger)
            return .done
        }
        let jobFailedAtCreation =
            decision.status.steps?.contains {
                $0.reason == "JobCreationFailed" || $0.reason == "JobNameTaken"
            } ?? false
        if jobFailedAtCreation { return .requeueAfter(.milliseconds(1)) }
        return requeue(at: decision.nextDeadline, now: now)
    }

    /// How creating one step's Job went.
    enum JobCreation: Sendable {
        case created
        /// A Job of that name exists and belongs to the run (an earlier reconcile created it).
        case adopted
        /// The step fails with this reason and message.
        case failed(reason: String, message: String)
    }

    /// Creates one step's Job, adopting an existing one of the run.
    func createJob(_ job: Job, step: PipelineStep, run: PipelineRun, clone: CloneSource?) async throws -> JobCreation {
        do {
            let created = try await client.create(job)
            createdJobs.record(created)
            logger.info(
                "created step Job",
                metadata: [
                    "run.name": "\(run.metadata.name ?? "")", "step.name": "\(step.name)",
                    "job.name": "\(job.metadata.name ?? "")",
                ])
            builder.auditSecretReferences(run: run, step: step, clone: clone)
            return .created
        } catch let error as KubeError where error.isAlreadyExists {
            let key = job.key
            var existing = jobs.cache.get(key)
            if existing == nil {
                existing = try await client.getIfPresent(Job.self, name: key.name, namespace: key.namespace)
            }
            if let existing, existing.metadata.ownerReferences?.contains(where: { $0.uid == run.metadata.uid }) != true
            {
                return .failed(
                    reason: "JobNameTaken",
                    message: "a Job named \(job.metadata.name ?? "") exists and does not belong to this run")
            }
            logger.debug("step Job exists already; adopting it", metadata: ["step.name": "\(step.name)"])
            return .adopted
        } catch let error as KubeError where error.isInvalid || error.code == .forbidden {
            logger.warning(
                "cannot create step Job", metadata: ["step.name": "\(step.name)", "error.message": "\(error)"])
            return .failed(
                reason: "JobCreationFailed",
                message: "the step's Job could not be created: \(error.status?.message ?? "\(error)")")
        }
    }

    func requeue(at deadline: Date?, now: Date) -> WorkResult {
        var delay = configuration.resyncInterval
        if let deadline {
            let seconds = max(0, deadline.timeIntervalSince(now)) + 0.05
            delay = min(delay, .milliseconds(Int64(seconds * 1000)))
        }
        return .requeueAfter(delay)
    }

    /// The cached RepositoryConnections whose `pipelineConfigRef` is the run's config, by name.
    func connections(of run: PipelineRun) -> [C8SAPI.RepositoryConnection] {
        connections.cache.byIndex(
            Self.configIndex, Self.indexValue(namespace: run.metadata.namespace, name: run.spec.pipelineConfigRef.name)
        ).sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
    }

    /// The clone source of a run: nil when the pipeline names no repository.
    func cloneSource(for run: PipelineRun, spec: PipelineSpec) async throws -> CloneSource? {
        guard let repository = spec.repository, !repository.isEmpty else { return nil }
        let connection = self.connections(of: run).first
        return CloneSource(
            repository: repository, commit: run.spec.commit, branch: run.spec.branch,
            credentials: connection.flatMap { CloneSource.credentials(for: $0, repository: repository) })
    }
}

/// A run that cannot start (its config is missing or invalid).
struct RunSetupError: Error {
    var reason: String
    var message: String

    init(reason: String, message: String) {
        self.reason = reason
        self.message = message
    }

    /// Most problems, and bytes, of an invalid pipeline kept in the run's message (status and Events).
    static let maxProblems = 10
    static let maxMessageBytes = 4096

    /// An invalid pipeline: reason `LimitExceeded` when a bound of ``PipelineLimits`` is exceeded, else
    /// `InvalidPipeline`; the message lists the first problems, bounded in count and size.
    init(problems: [PipelineError]) {
        let exceeded = problems.filter { $0.kind == .limitExceeded }
        reason = exceeded.isEmpty ? "InvalidPipeline" : "LimitExceeded"
        let shown = (exceeded.isEmpty ? problems : exceeded + problems.filter { $0.kind != .limitExceeded })
            .prefix(Self.maxProblems)
        var text =
            (exceeded.isEmpty ? "the pipeline is invalid: " : "the pipeline exceeds a limit: ")
            + shown.map(\.description).joined(separator: "; ")
        if problems.count > shown.count { text += "; and \(problems.count - shown.count) more" }
        if text.utf8.count > Self.maxMessageBytes {
            text = String(decoding: text.utf8.prefix(Self.maxMessageBytes - 3), as: UTF8.self) + "…"
        }
        message = text
    }
}

extension PipelineRun.Status {
    /// Sets one step's final phase.
    mutating func markStep(_ name: String, phase: PipelineRun.StepPhase, reason: String, message: String, now: Date) {
        guard let index = steps?.firstIndex(where: { $0.name == name }) else { return }
        steps?[index].phase = phase
        steps?[index].reason = reason
        steps?[index].message = message
        steps?[index].completionTime = KubeTime(now)
    }
}
