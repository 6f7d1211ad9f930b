import C8SCore
import C8SLogs
import Dispatch
import Foundation
import Logging

/// Runs a pipeline on this machine: every step (of every selected matrix combination) as a process group,
/// in parallel as the ``Planner`` allows, recording the run under `.c8s/runs/RUN-ID/` and shipping each step's
/// masked output through the log pipeline into `.c8s/logs/` (see ``StepLogShipping`` and ``LocalLogs``).
public final class LocalRunner: @unchecked Sendable {
    let configuration: LocalRunConfiguration
    let spec: PipelineSpec
    let store: RunStore
    let masker: SecretMasker
    let logger: Logger

    struct Entry {
        var step: PipelineStep
        var pipeline: PipelineSpec
        var plan: PlanStep
    }

    /// A runner for `spec`. `masker` defaults to C8SLogs's masker of the configuration's secret values (every
    /// encoding of each). `logger` gets debug records of every planner action (never secret values).
    public init(
        spec: PipelineSpec,
        configuration: LocalRunConfiguration,
        logger: Logger = Logger(label: "c8s.local"),
        masker: SecretMasker? = nil
    ) {
        self.spec = spec
        self.configuration = configuration
        self.logger = logger
        self.store = RunStore(directory: configuration.directory)
        self.masker = masker ?? SecretMasker(secrets: configuration.maskedSecrets)
    }

    /// The matrix combinations selected by the configuration's filters, with the selected steps.
    public func selectedPipelines() throws(LocalError) -> [ResolvedPipeline] {
        let all = MatrixExpansion.expand(try configuration.selection.apply(to: spec))
        guard !configuration.matrixFilters.isEmpty else { return all }
        let axes = Set(spec.matrix?.axes.keys.map { $0 } ?? [])
        for filter in configuration.matrixFilters {
            for axis in filter.keys where !axes.contains(axis) {
                let names = axes.sorted().joined(separator: ", ")
                throw .usage("--matrix names \"\(axis)\", which is not an axis of the matrix (axes: \(names))")
            }
        }
        let selected = all.filter { pipeline in
            configuration.matrixFilters.contains { pipeline.combination.matches($0) }
        }
        guard !selected.isEmpty else {
            let available = all.map { "[\($0.combination)]" }.joined(separator: " ")
            throw .usage("--matrix selects no combination; the matrix has: \(available)")
        }
        return selected
    }

    /// Runs the pipeline to the end (or until SIGINT/SIGTERM) and returns the final record, once every step's log
    /// is complete in the log store.
    public func run() async throws(LocalError) -> RunRecord {
        let refused = masker.refusedSecretNames
        if !refused.isEmpty {
            let names = Array(Set(refused)).sorted().joined(separator: ", ")
            throw .usage(
                "secret \(names) is shorter than \(SecretMasker.minimumLength) characters and cannot be masked "
                    + "safely; the run does not start (use a longer value)")
        }
        let pipelines = try selectedPipelines()
        // Signals cancel the run from here on (steps get their default dispositions back when spawned).
        let events = EventQueue()
        let signals = installSignalHandlers(events)
        defer { removeSignalHandlers(signals) }
        let runID = RunStore.newRunID()
        let several = pipelines.count > 1
        var entries: [String: Entry] = [:]
        var order: [String] = []
        var steps: [StepRecord] = []
        let branch =
            configuration.branch
            ?? Shell.output("git rev-parse --abbrev-ref HEAD", in: configuration.directory)
        for pipeline in pipelines {
            let label = pipeline.combination.values.keys.sorted()
                .map { "\($0)=\(pipeline.combination.values[$0]!)" }.joined(separator: ",")
            func key(_ name: String) -> String { several ? "\(name)[\(label)]" : name }
            let byName = Dictionary(pipeline.spec.steps.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for plan in PlanStep.steps(of: pipeline.spec, branch: branch, event: configuration.event) {
                guard let step = byName[plan.id] else { continue }
                var plan = plan
                plan.id = key(step.name)
                plan.dependsOn = step.dependsOn.map(key)
                entries[plan.id] = Entry(step: step, pipeline: pipeline.spec, plan: plan)
                order.append(plan.id)
                var record = StepRecord(key: plan.id, name: step.name, matrix: pipeline.combination)
                record.allowFailure = step.allowFailure ? true : nil
                steps.append(record)
            }
        }
        var record = RunRecord(
            id: runID,
            file: configuration.file,
            phase: .running,
            startTime: Date(),
            combinations: pipelines.map(\.combination),
            steps: steps
        )
        // Recorded before anything else exists, so a later command can clean up after a crash at any point.
        record.owner = RunOwner.current()
        record.workspace = Workspace.rootPath(runID: runID)
        try store.saveSpec(pipelines, run: runID) { [masker] in masker.mask(bytes: $0) }
        try store.save(record)

        let reporter = TerminalReporter(stepKeys: order, color: configuration.color)
        reporter.note("run \(runID): \(order.count) step(s), recorded in \(store.runDirectory(runID).path)")
        for warning in masker.warnings where !warning.refusesWholeSecret { reporter.note(warning.description) }
        if spec.steps.contains(where: { $0.image != nil }) {
            reporter.note("local mode runs every step on this machine; `image` is not used")
        }
        let workspace: Workspace
        do {
            workspace = try Workspace.prepare(source: configuration.directory, runID: runID, clean: configuration.clean)
        } catch {
            try? FileManager.default.removeItem(atPath: Workspace.rootPath(runID: runID))
            record.phase = .failed
            record.endTime = Date()
            try? store.save(record)
            throw error
        }
        defer { workspace.remove() }
        reporter.note("workspace: \(workspace.origin)")

        let initial = record
        do {
            record = try await LogTailer.withLogTailer(logger: logger) { tailer in
                let shipping = StepLogShipping(
                    tailer: tailer, runStore: store, runID: runID, masker: masker, reporter: reporter, logger: logger)
                return await withTaskGroup(of: Void.self) { group in
                    group.addTask { await shipping.run() }
                    let loop = LoopBox(
                        Loop(
                            runner: self,
                            events: events,
                            reporter: reporter,
                            sink: shipping,
                            workspace: workspace,
                            entries: entries,
                            order: order,
                            record: initial,
                            runStart: Self.monotonicNow()
                        ))
                    // The loop blocks on its event queue: it gets a thread of its own, not a task's.
                    // The loop's thread also is the parent of every step's supervisor (see ``StepProcess``).
                    let final = await withCheckedContinuation { (continuation: CheckedContinuation<RunRecord, Never>) in
                        Thread.detachNewThread { continuation.resume(returning: loop.run()) }
                    }
                    shipping.close()
                    await group.waitForAll()
                    return final
                }
            }
        } catch {
            throw .io("cannot follow the step logs: \(error)")
        }
        reporter.summary(record)
        return record
    }

    /// Exit status of `c8s run --local` for a final run phase.
    public static func exitCode(for phase: RunPhase) -> Int32 {
        switch phase {
        case .succeeded: 0
        case .cancelled: 130
        default: 1
        }
    }

    static func monotonicNow() -> PlannerTime {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return PlannerTime(seconds: Double(time.tv_sec) + Double(time.tv_nsec) / 1e9)
    }

    /// Hands the run loop to its thread.
    private final class LoopBox: @unchecked Sendable {
        var loop: Loop
        init(_ loop: Loop) { self.loop = loop }
        func run() -> RunRecord { loop.run() }
    }

    private func installSignalHandlers(_ events: EventQueue) -> [any DispatchSourceSignal] {
        // A closed stdout (`c8s run --local | head`) must not kill the run: writes fail with EPIPE instead.
        signal(SIGPIPE, SIG_IGN)
        return [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { events.push(.cancel) }
            source.resume()
            return source
        }
    }

    private func removeSignalHandlers(_ sources: [any DispatchSourceSignal]) {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
