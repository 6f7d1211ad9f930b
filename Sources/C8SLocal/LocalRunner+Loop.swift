import C8SCore
import C8SLogs
import Foundation

extension LocalRunner {
    /// The run loop: ask the planner, carry out its actions, wait for an exit, a signal or a deadline.
    struct Loop {
        let runner: LocalRunner
        let events: EventQueue
        let reporter: TerminalReporter
        let sink: StepLogShipping
        let workspace: Workspace
        let entries: [String: Entry]
        let order: [String]
        var record: RunRecord
        let runStart: PlannerTime
        var observed: [String: ObservedStep] = [:]
        var processes: [String: StepProcess] = [:]
        var directories: [String: URL] = [:]
        var killDeadlines: [String: PlannerTime] = [:]
        var cancelRequested = false

        init(
            runner: LocalRunner,
            events: EventQueue,
            reporter: TerminalReporter,
            sink: StepLogShipping,
            workspace: Workspace,
            entries: [String: Entry],
            order: [String],
            record: RunRecord,
            runStart: PlannerTime
        ) {
            self.runner = runner
            self.events = events
            self.reporter = reporter
            self.sink = sink
            self.workspace = workspace
            self.entries = entries
            self.order = order
            self.record = record
            self.runStart = runStart
        }

        mutating func run() -> RunRecord {
            while true {
                let now = LocalRunner.monotonicNow()
                let plan = Planner.plan(
                    PlannerInput(
                        steps: order.compactMap { entries[$0]?.plan },
                        observed: observed,
                        now: now,
                        runStart: runStart,
                        runTimeout: runner.spec.timeout,
                        cancelRequested: cancelRequested
                    )
                )
                for action in plan.actions {
                    if case .finish(let phase) = action {
                        record.phase = phase
                        record.endTime = Date()
                        runner.logger.debug("run finished", metadata: ["run.id": "\(record.id)", "run.phase": "\(phase)"])
                        save()
                        return record
                    }
                    apply(action)
                }
                if !plan.actions.isEmpty { continue }
                let deadlines = [plan.nextDeadline].compactMap { $0 } + killDeadlines.values
                let timeout = deadlines.min().map { $0.seconds - now.seconds }
                if let event = events.next(timeout: timeout) {
                    handle(event)
                }
                let after = LocalRunner.monotonicNow()
                for (key, deadline) in killDeadlines where after >= deadline {
                    processes[key]?.signalGroup(SIGKILL)
                    killDeadlines[key] = nil
                }
            }
        }

        private mutating func apply(_ action: PlannerAction) {
            runner.logger.debug("planner action", metadata: ["run.id": "\(record.id)", "action": "\(action)"])
            switch action {
            case .start(let key):
                start(key)
            case .skip(let key, let reason):
                observed[key] = ObservedStep(phase: .skipped)
                let message: String
                switch reason {
                case .dependencyNotSucceeded(let dependency): message = "skipped: \(dependency) did not succeed"
                case .conditionNotMet: message = "skipped: its `when` condition does not hold"
                case .runTimedOut: message = "skipped: the run timed out"
                }
                update(key) {
                    $0.phase = .skipped
                    $0.message = message
                }
                reporter.event(step: key, message)
            case .cancel(let key):
                observed[key] = ObservedStep(phase: .cancelled)
                update(key) {
                    $0.phase = .cancelled
                    $0.message = "cancelled before it started"
                }
            case .terminate(let key, let reason):
                observed[key]?.termination = reason
                processes[key]?.signalGroup(SIGTERM)
                killDeadlines[key] = LocalRunner.monotonicNow().adding(
                    PipelineDuration(nanoseconds: Int64(runner.configuration.killGrace * 1e9))
                )
                let message: String
                switch reason {
                case .stepTimeout: message = "timed out after \(entries[key]?.plan.timeout?.description ?? "?"); stopping it"
                case .runTimeout: message = "the run timed out after \(runner.spec.timeout?.description ?? "?"); stopping it"
                case .cancelled: message = "cancelled; stopping it"
                }
                update(key) { $0.message = message }
                reporter.event(step: key, message)
            case .finish:
                break
            }
        }

        private mutating func start(_ key: String) {
            guard let entry = entries[key] else { return }
            let startDate = Date()
            observed[key] = ObservedStep(phase: .running, startTime: LocalRunner.monotonicNow())
            update(key) {
                $0.phase = .running
                $0.startTime = startDate
            }
            do {
                try sink.open(step: key)
            } catch {
                reporter.event(step: key, "its output cannot be recorded: \(error.message)")
            }
            let missing = entry.step.secrets.filter { runner.configuration.secrets["\($0.name).\($0.key)"] == nil }
            if let secret = missing.first {
                let names = missing.map { "\($0.name).\($0.key)" }.joined(separator: ", ")
                let variable = LocalRunConfiguration.secretVariable("\(secret.name).\(secret.key)")
                fail(
                    key,
                    "secret \(names) is not given; pass --secret \(secret.name).\(secret.key) (reads $\(variable)) or "
                        + "--secret-file \(secret.name).\(secret.key)=PATH")
                return
            }
            let directory: URL
            do {
                directory = try workspace.makeStepDirectory(for: key)
            } catch {
                fail(key, error.message)
                return
            }
            directories[key] = directory
            // Only the documented environment: PATH, HOME, TERM and --inherit-env, c8s's variables, the
            // pipeline's and the step's env, --env, and the secrets the step declares.
            var environment = runner.configuration.inheritedVariables()
            environment["CI"] = "true"
            environment["C8S"] = "true"
            environment["C8S_RUN_ID"] = record.id
            environment["C8S_STEP"] = entry.step.name
            environment["C8S_WORKSPACE"] = directory.path
            environment.merge(entry.pipeline.env) { $1 }
            environment.merge(entry.step.env) { $1 }
            environment.merge(runner.configuration.environment) { $1 }
            for secret in entry.step.secrets {
                environment[secret.env] = runner.configuration.secrets["\(secret.name).\(secret.key)"]
            }
            let sink = self.sink
            let reporter = self.reporter
            let events = self.events
            reporter.event(step: key, "started")
            do {
                processes[key] = try StepProcess.spawn(
                    script: entry.step.commands.joined(separator: "\n"),
                    directory: directory.path,
                    environment: environment,
                    onOutput: { stream, bytes in sink.write(step: key, stream: stream, bytes: bytes) },
                    onIdle: { stream in sink.idle(step: key, stream: stream) },
                    onStreamEnd: { stream in sink.endStream(step: key, stream: stream) },
                    onExit: { status in events.push(.exited(step: key, status: status)) }
                )
            } catch {
                fail(key, error.message)
            }
        }

        /// Fails a step that could not start.
        private mutating func fail(_ key: String, _ message: String) {
            observed[key] = ObservedStep(phase: .failed)
            let masked = runner.masker.mask(message)
            sink.writeLine(step: key, stream: .stderr, line: "c8s: " + masked)
            sink.finish(step: key)
            update(key) {
                $0.phase = .failed
                $0.endTime = Date()
                $0.message = masked
            }
            reporter.event(step: key, "failed: \(masked)")
        }

        private mutating func handle(_ event: LocalEvent) {
            switch event {
            case .cancel:
                if cancelRequested {
                    // A second signal: stop waiting for the grace period.
                    for key in killDeadlines.keys { killDeadlines[key] = LocalRunner.monotonicNow() }
                } else {
                    reporter.note("cancelling the run")
                }
                cancelRequested = true
            case .exited(let key, let status):
                let code = StepProcess.exitCode(fromStatus: status)
                runner.logger.debug(
                    "step exited",
                    metadata: ["run.id": "\(record.id)", "step.name": "\(key)", "step.exitCode": "\(code)"]
                )
                let termination = observed[key]?.termination
                let phase = termination?.resultingPhase ?? (code == 0 ? .succeeded : .failed)
                observed[key]?.phase = phase
                processes[key] = nil
                killDeadlines[key] = nil
                sink.finish(step: key)
                var artifacts: [String] = []
                var secretsInArtifacts: [String: [String]] = [:]
                if let directory = directories.removeValue(forKey: key), let entry = entries[key] {
                    if !entry.step.artifacts.isEmpty {
                        let destination = runner.store.stepDirectory(run: record.id, step: key)
                            .appendingPathComponent("artifacts")
                        let result = Workspace.collectArtifacts(
                            entry.step.artifacts, from: directory, into: destination, masker: runner.masker)
                        artifacts = result.copied
                        for pattern in result.unmatched {
                            reporter.event(step: key, "artifact \(pattern): no file matches")
                        }
                        secretsInArtifacts = result.secrets
                        for (path, names) in result.secrets.sorted(by: { $0.key < $1.key }) {
                            reporter.event(
                                step: key,
                                "warning: artifact \(path) contains the value of secret \(names.joined(separator: ", ")); "
                                    + "it is kept byte for byte, unmasked, in \(destination.path)")
                        }
                    }
                    workspace.removeStepDirectory(directory)
                }
                let timeoutText = entries[key]?.plan.timeout?.description ?? "?"
                update(key) {
                    $0.phase = phase
                    $0.exitCode = code
                    $0.endTime = Date()
                    $0.artifacts = artifacts
                    $0.secretsInArtifacts = secretsInArtifacts.isEmpty ? nil : secretsInArtifacts
                    switch termination {
                    case .stepTimeout?: $0.message = "timed out after \(timeoutText)"
                    case .runTimeout?: $0.message = "stopped: the run timed out"
                    case .cancelled?: $0.message = "cancelled while running"
                    case nil: break
                    }
                }
                let allowed = phase == .failed && entries[key]?.plan.allowFailure == true ? " (failure allowed)" : ""
                reporter.event(step: key, "\(phase.rawValue.lowercased()) (exit code \(code))\(allowed)")
            }
        }

        private mutating func update(_ key: String, _ change: (inout StepRecord) -> Void) {
            guard let index = record.steps.firstIndex(where: { $0.key == key }) else { return }
            change(&record.steps[index])
            save()
        }

        private func save() {
            try? runner.store.save(record)
        }
    }
}
