import C8SAPI
import C8SCore
import C8SLogs

/// `c8s logs RUN [--step S] [-f] [--tail N] [--timestamps]`: one step's log, or every step's log in the run's order
/// with each line prefixed `[step] ` (followed one after another with `-f`).
public struct RunLogPrinter: Sendable {
    public let logs: CoordinatorLogClient
    public var tail: Int?
    public var follow: Bool
    public var timestamps: Bool

    public init(logs: CoordinatorLogClient, tail: Int? = nil, follow: Bool = false, timestamps: Bool = false) {
        self.logs = logs
        self.tail = tail
        self.follow = follow
        self.timestamps = timestamps
    }

    /// Prints the log of `step` (nil: every step) of `run`; `reload` reads the run again (to learn about steps that
    /// appeared while following).
    public func print(
        run: PipelineRun, step: String?, reload: () async throws -> PipelineRun,
        output: @escaping @Sendable (String) -> Void
    ) async throws {
        let name = run.metadata.name ?? ""
        let namespace = run.metadata.namespace ?? ""
        let format = LogLineFormat(timestamps: timestamps)
        if let step {
            let steps = RunDescription.steps(of: run).map(\.name)
            guard steps.isEmpty || steps.contains(step) else {
                throw ClientError.notFound(
                    "run \"\(name)\" has no step \"\(step)\" (steps: \(steps.joined(separator: ", ")))")
            }
            try await logs.stream(query(namespace, name, step)) { output(format.format($0.record)) }
            return
        }
        var done: Set<String> = []
        var current = run
        while true {
            let next = RunDescription.steps(of: current).first { !done.contains($0.name) }
            guard let next else { return }
            done.insert(next.name)
            let prefix = "[\(next.name)] "
            let phase = next.phase ?? .pending
            let started = next.startTime != nil || next.podName != nil || next.logURL != nil || next.logs != nil
            if phase == .skipped || (!follow && !started && !phase.isTerminal) {
                continue
            }
            do {
                try await logs.stream(query(namespace, name, next.name)) { output(prefix + format.format($0.record)) }
            } catch let error as ClientError where error.isNotFound && !started {
                // A step that never ran (cancelled before it started) has no log.
            }
            if follow { current = try await reload() }
        }
    }

    private func query(_ namespace: String, _ run: String, _ step: String) -> LogQuery {
        LogQuery(namespace: namespace, run: run, step: step, tail: tail, follow: follow, timestamps: timestamps)
    }
}
