import C8SAPI
import C8SCoordinator
import C8SKube
import Foundation
import Testing

/// The pure bookkeeping behind dispatch at scale: config status counters and Event aggregation.
@Suite struct DispatchBookkeepingTests {
    static func run(
        _ name: String, config: String = "app", created: TimeInterval, phase: PipelineRun.Phase? = nil,
        parent: String? = nil
    ) -> PipelineRun {
        var labels: [String: String] = [:]
        if let parent { labels[C8SLabels.matrixParent] = parent }
        var run = PipelineRun(
            metadata: ObjectMeta(name: name, namespace: "ci", labels: labels.isEmpty ? nil : labels),
            spec: .init(
                pipelineConfigRef: .init(name: config), commit: "c", branch: "main", event: .push, triggeredBy: "t"))
        run.metadata.creationTimestamp = KubeTime(Date(timeIntervalSince1970: created))
        if let phase {
            var status = PipelineRun.Status()
            status.phase = phase
            run.status = status
        }
        return run
    }

    struct TallyCase: Sendable, CustomStringConvertible {
        var description: String
        var steps: [(PipelineRun, Bool)]  // (run, removed)
        var total: Int
        var finished: Int
        var succeeded: Int
        var last: String?
    }

    static let tallyCases: [TallyCase] = [
        TallyCase(description: "empty", steps: [], total: 0, finished: 0, succeeded: 0, last: nil),
        TallyCase(
            description: "runs counted once however often they are seen",
            steps: [(run("a", created: 1), false), (run("a", created: 1), false), (run("b", created: 2), false)],
            total: 2, finished: 0, succeeded: 0, last: "b"),
        TallyCase(
            description: "finishing counts, success counts",
            steps: [
                (run("a", created: 1), false), (run("a", created: 1, phase: .running), false),
                (run("a", created: 1, phase: .succeeded), false), (run("b", created: 2, phase: .failed), false),
            ],
            total: 2, finished: 2, succeeded: 1, last: "b"),
        TallyCase(
            description: "a late older copy does not unfinish a run",
            steps: [(run("a", created: 1, phase: .succeeded), false), (run("a", created: 1, phase: .running), false)],
            total: 1, finished: 1, succeeded: 1, last: "a"),
        TallyCase(
            description: "matrix children do not count",
            steps: [(run("p", created: 1), false), (run("p-0", created: 5, phase: .failed, parent: "p"), false)],
            total: 1, finished: 0, succeeded: 0, last: "p"),
        TallyCase(
            description: "deleting the newest run makes the next newest the last",
            steps: [
                (run("a", created: 1, phase: .succeeded), false), (run("c", created: 3), false),
                (run("b", created: 2, phase: .failed), false), (run("c", created: 3), true),
            ],
            total: 2, finished: 2, succeeded: 1, last: "b"),
        TallyCase(
            description: "equal creation times: the greater name is the last",
            steps: [(run("x", created: 1), false), (run("y", created: 1), false), (run("w", created: 1), false)],
            total: 3, finished: 0, succeeded: 0, last: "y"),
    ]

    @Test(arguments: tallyCases) func configTally(_ example: TallyCase) {
        var tally = ConfigRunTally()
        for (run, removed) in example.steps {
            if removed { tally.remove(run) } else { tally.apply(run) }
        }
        let counts = tally.counts(of: "ci/app")
        #expect(counts.total == example.total)
        #expect(counts.finished == example.finished)
        #expect(counts.succeeded == example.succeeded)
        #expect(counts.last == example.last)
    }

    @Test func tallyReportsWhichConfigChanged() {
        var tally = ConfigRunTally()
        #expect(tally.apply(Self.run("a", created: 1)) == "ci/app")
        #expect(tally.apply(Self.run("a", created: 1)) == nil)
        #expect(tally.apply(Self.run("a", created: 1, phase: .succeeded)) == "ci/app")
        #expect(tally.apply(Self.run("q", config: "other", created: 1)) == "ci/other")
        #expect(tally.counts(of: "ci/other").total == 1)
        #expect(tally.remove(Self.run("zz", created: 1)) == nil)
        #expect(tally.remove(Self.run("a", created: 1)) == "ci/app")
        let emptied = tally.counts(of: "ci/app")
        #expect(emptied.total == 0 && emptied.finished == 0 && emptied.succeeded == 0 && emptied.last == nil)
    }

    @Test func identicalNotesBumpOneEvent() {
        var aggregator = RunEventAggregator()
        let started = RunEventNote(reason: "StepStarted", message: "step a started (Job r-a)")
        let waiting = RunEventNote(type: "Warning", reason: "StepWaiting", message: "step a: image missing")
        #expect(aggregator.action(for: started, run: "uid-1", name: "e1") == .create(name: "e1"))
        #expect(aggregator.action(for: waiting, run: "uid-1", name: "e2") == .create(name: "e2"))
        #expect(aggregator.action(for: waiting, run: "uid-1", name: "e3") == .bump(name: "e2", count: 2))
        #expect(aggregator.action(for: waiting, run: "uid-1", name: "e4") == .bump(name: "e2", count: 3))
        // Another message, another run: separate Events.
        let other = RunEventNote(reason: "StepStarted", message: "step b started (Job r-b)")
        #expect(aggregator.action(for: other, run: "uid-1", name: "e5") == .create(name: "e5"))
        #expect(aggregator.action(for: started, run: "uid-2", name: "e6") == .create(name: "e6"))
    }

    @Test func eventsAreCappedPerRun() {
        var aggregator = RunEventAggregator()
        for index in 0..<RunEventAggregator.maxEventsPerRun {
            let note = RunEventNote(reason: "StepStarted", message: "step \(index) started")
            #expect(aggregator.action(for: note, run: "uid-1", name: "e\(index)") == .create(name: "e\(index)"))
        }
        let extra = RunEventNote(reason: "StepStarted", message: "one too many")
        #expect(aggregator.action(for: extra, run: "uid-1", name: "x") == .drop)
        #expect(aggregator.action(for: extra, run: "uid-1", name: "y") == .drop)
        #expect(aggregator.dropped(run: "uid-1") == 2)
        #expect(aggregator.action(for: extra, run: "uid-2", name: "z") == .create(name: "z"))
        aggregator.forget(run: "uid-1")
        #expect(aggregator.action(for: extra, run: "uid-1", name: "w") == .create(name: "w"))
    }

    @Test func trackedRunsAreBounded() {
        var aggregator = RunEventAggregator()
        let note = RunEventNote(reason: "RunStarted", message: "the run started")
        for index in 0..<(RunEventAggregator.maxTrackedRuns + 500) {
            _ = aggregator.action(for: note, run: "uid-\(index)", name: "e\(index)")
            if index % 3 == 0 { aggregator.forget(run: "uid-\(index)") }
        }
        #expect(aggregator.trackedRuns <= RunEventAggregator.maxTrackedRuns)
        // The newest run is still tracked: its identical note bumps.
        let last = RunEventAggregator.maxTrackedRuns + 499
        #expect(aggregator.action(for: note, run: "uid-\(last)", name: "n") == .bump(name: "e\(last)", count: 2))
    }
}
