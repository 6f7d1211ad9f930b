import C8SCore
import C8SLogs
import Foundation

extension LocalRunner {
    /// The run loop: carries out ``LocalSchedule``'s decisions, and waits for an exit, a signal or a deadline.
    /// Every event costs time independent of the number of steps, so a run is linear in steps and edges.
    ///
    /// `run.json` is written when the run starts, at most every ``recordInterval`` while it runs (or 20 times the
    /// last write's duration, whichever is longer, so writing stays a bounded share of the run's time however many
    /// steps it has), and when it ends. A crash loses at most the last interval of step phases, never output:
    /// the recovery (``RunRecovery``) ships every step's output from its checkpoint and marks what did not end.
    struct Loop {
        let runner: LocalRunner
        let events: EventQueue
        let reporter: TerminalReporter
        let sink: StepLogShipping
        let workspace: Workspace
        let entries: [String: Entry]
        var record: RunRecord
        var schedule: LocalSchedule
        var recordIndex: [String: Int] = [:]
        var processes: [String: StepProcess] = [:]
        var directories: [String: URL] = [:]
        /// Steps sent SIGTERM, with when they get SIGKILL (in deadline order: the grace period is one constant).
        var kills: [(key: String, deadline: PlannerTime)] = []
        var killHead = 0
        var dirty = false
        var lastWrite: PlannerTime
        var writeInterval = Loop.recordInterval

        /// The shortest interval between two writes of `run.json` while the run goes on.
        static let recordInterval = 0.25

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
            self.record = record
            self.schedule = LocalSchedule(
                steps: order.compactMap { entries[$0]?.plan }, runStart: runStart, runTimeout: runner.spec.timeout,
                parallelism: runner.configuration.parallelism)
            self.lastWrite = runStart
            for (index, step) in record.steps.enumerated() { recordIndex[step.key] = index }
        }

        mutating func run() -> RunRecord {
            carry(schedule.begin(now: LocalRunner.monotonicNow()))
            while true {
                // Signals are checked between starts: a cancellation stops the starting at once.
                while !events.cancelPushed, let key = schedule.nextStart(now: LocalRunner.monotonicNow()) {
                    start(key)
                }
                if let phase = schedule.finished {
                    record.phase = phase
                    record.endTime = Date()
                    runner.logger.debug(
                        "run finished", metadata: ["run.id": "\(record.id)", "run.phase": "\(phase)"])
                    save()
                    return record
                }
                let now = LocalRunner.monotonicNow()
                let deadlines = [schedule.nextDeadline(), nextKill(), dirty ? nextWrite : nil].compactMap { $0 }
                if let event = events.next(timeout: deadlines.min().map { $0.seconds - now.seconds }) {
                    handle(event)
                }
                let after = LocalRunner.monotonicNow()
                carry(schedule.advance(now: after))
                while let deadline = nextKill(), after >= deadline {
                    processes[kills[killHead].key]?.signalGroup(SIGKILL)
                    killHead += 1
                }
                if dirty, after >= nextWrite { save() }
            }
        }

        private var nextWrite: PlannerTime { PlannerTime(seconds: lastWrite.seconds + writeInterval) }

        /// When the oldest stopped step that still runs gets SIGKILL.
        private mutating func nextKill() -> PlannerTime? {
            while killHead < kills.count, processes[kills[killHead].key] == nil { killHead += 1 }
            return killHead < kills.count ? kills[killHead].deadline : nil
        }

        /// Carries out skips, cancellations and stops.
        private mutating func carry(_ actions: [PlannerAction]) {
            for action in actions { apply(action) }
        }

        private mutating func apply(_ action: PlannerAction) {
            runner.logger.debug("planner action", metadata: ["run.id": "\(record.id)", "action": "\(action)"])
            switch action {
            case .skip(let key, let reason):
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
                update(key) {
                    $0.phase = .cancelled
                    $0.message = "cancelled before it started"
                }
            case .terminate(let key, let reason):
                processes[key]?.signalGroup(SIGTERM)
                let grace = PipelineDuration(nanoseconds: Int64(runner.configuration.killGrace * 1e9))
                kills.append((key, LocalRunner.monotonicNow().adding(grace)))
                let message: String
                switch reason {
                case .stepTimeout:
                    message = "timed out after \(entries[key]?.plan.timeout?.description ?? "?"); stopping it"
                case .runTimeout:
                    message = "the run timed out after \(runner.spec.timeout?.description ?? "?"); stopping it"
                case .cancelled: message = "cancelled; stopping it"
                }
                update(key) { $0.message = message }
                reporter.event(step: key, message)
            case .start, .finish:
                break
            }
        }

        private mutating func start(_ key: String) {
            guard let entry = entries[key] else {
                fail(key, "c8s has no step \(key)")
                return
            }
            let startDate = Date()
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
            let (phase, actions) = schedule.stepEnded(key, exitCode: nil, now: LocalRunner.monotonicNow())
            let masked = runner.masker.mask(message)
            sink.writeLine(step: key, stream: .stderr, line: "c8s: " + masked)
            sink.finish(step: key)
            if let directory = directories.removeValue(forKey: key) { workspace.removeStepDirectory(directory) }
            update(key) {
                $0.phase = phase
                $0.endTime = Date()
                $0.message = masked
            }
            reporter.event(step: key, "failed: \(masked)")
            carry(actions)
        }

        private mutating func handle(_ event: LocalEvent) {
            switch event {
            case .cancel:
                if schedule.cancelRequested {
                    // A second signal: stop waiting for the grace period.
                    while nextKill() != nil {
                        processes[kills[killHead].key]?.signalGroup(SIGKILL)
                        killHead += 1
                    }
                } else {
                    reporter.note("cancelling the run")
                }
                carry(schedule.cancel(now: LocalRunner.monotonicNow()))
            case .exited(let key, let status):
                exited(key, code: StepProcess.exitCode(fromStatus: status))
            }
        }

        private mutating func exited(_ key: String, code: Int32) {
            runner.logger.debug(
                "step exited", metadata: ["run.id": "\(record.id)", "step.name": "\(key)", "step.exitCode": "\(code)"])
            let (phase, actions) = schedule.stepEnded(key, exitCode: code, now: LocalRunner.monotonicNow())
            let termination = schedule.termination(of: key)
            processes[key] = nil
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
            carry(actions)
        }

        private mutating func update(_ key: String, _ change: (inout StepRecord) -> Void) {
            guard let index = recordIndex[key] else { return }
            change(&record.steps[index])
            dirty = true
        }

        /// Writes `run.json` now, and spaces the next writes by at least 20 times this one's duration.
        private mutating func save() {
            let before = LocalRunner.monotonicNow()
            try? runner.store.save(record)
            lastWrite = LocalRunner.monotonicNow()
            writeInterval = max(Self.recordInterval, 20 * (lastWrite.seconds - before.seconds))
            dirty = false
        }
    }
}
