import C8SCore

/// What to do with an authenticated event for one pipeline.
public enum TriggerDecision: Sendable, Hashable {
    /// Start a run of the selected steps.
    case run(TriggerPlan)
    /// Acknowledge and do nothing, for the reason given.
    case ignore(reason: String)
}

/// The steps a triggered run executes, and the ones it skips with why.
public struct TriggerPlan: Sendable, Hashable {
    public struct SkippedStep: Sendable, Hashable {
        public var name: String
        public var reason: String

        public init(name: String, reason: String) {
            self.name = name
            self.reason = reason
        }
    }

    /// Names of the steps that run, in pipeline order.
    public var selectedSteps: [String]
    /// Steps excluded by their `when`, or depending (directly or not) on an excluded step.
    public var skippedSteps: [SkippedStep]

    public init(selectedSteps: [String], skippedSteps: [SkippedStep]) {
        self.selectedSteps = selectedSteps
        self.skippedSteps = skippedSteps
    }
}

/// Decides from a ``ForgeEvent`` and a ``PipelineSpec`` whether to run, and which steps.
///
/// The glob and `when` semantics are C8SCore's (`GlobPattern`, `WhenCondition.matches`), so the
/// decision taken here agrees with the planner's own evaluation of `when`.
///
/// 1. Only triggering events go on (pushes; pull requests opened, synchronized or reopened).
/// 2. The pipeline's `branches` globs must match the event's branch (the pushed branch, or a pull
///    request's target branch, as GitHub Actions' `on.pull_request.branches` does); an empty list
///    matches every branch.
/// 3. Each step's `when` must hold: `branches` (same branch as above), `events` (`push`,
///    `pull_request`) and `paths` (any changed file matches; when the payload lists no changed
///    files the condition passes).
/// 4. Like GitHub Actions' `if:`, a step whose `when` excludes it is skipped, and so is every step
///    that depends on it, directly or transitively; independent steps still run.
/// 5. When no step is left, the event is ignored.
public enum TriggerPlanner {
    public static func decide(event: ForgeEvent, pipeline: PipelineSpec) -> TriggerDecision {
        guard event.triggers else { return .ignore(reason: nonTriggeringReason(event)) }
        let branch = event.filterBranch ?? ""
        if !pipeline.branches.isEmpty, !pipeline.branches.contains(where: { GlobPattern.matches($0, branch) }) {
            let list = pipeline.branches.joined(separator: ", ")
            return .ignore(reason: "branch \"\(branch)\" does not match the pipeline's branches [\(list)]")
        }
        var excluded: [String: String] = [:]
        for step in pipeline.steps {
            if let reason = exclusion(of: step.when, event: event, branch: branch) { excluded[step.name] = reason }
        }
        // Propagate to dependents until nothing changes (steps may be listed in any order).
        var changed = true
        while changed {
            changed = false
            for step in pipeline.steps where excluded[step.name] == nil {
                if let skipped = step.dependsOn.first(where: { excluded[$0] != nil }) {
                    excluded[step.name] = "depends on skipped step \"\(skipped)\""
                    changed = true
                }
            }
        }
        let selected = pipeline.steps.map(\.name).filter { excluded[$0] == nil }
        guard !selected.isEmpty else {
            return .ignore(reason: "no step's when conditions match this \(event.eventName) event")
        }
        let skipped = pipeline.steps.compactMap { step in
            excluded[step.name].map { TriggerPlan.SkippedStep(name: step.name, reason: $0) }
        }
        return .run(TriggerPlan(selectedSteps: selected, skippedSteps: skipped))
    }

    static func exclusion(of when: WhenCondition?, event: ForgeEvent, branch: String) -> String? {
        guard let when else { return nil }
        if when.matches(branch: branch, event: event.eventName, changedPaths: event.changedPaths) { return nil }
        // Name the first condition that failed.
        if !WhenCondition(branches: when.branches).matches(branch: branch, event: nil) {
            return "when.branches does not match branch \"\(branch)\""
        }
        if !WhenCondition(events: when.events).matches(branch: nil, event: event.eventName) {
            return "when.events does not include \(event.eventName)"
        }
        return "when.paths matches no changed file"
    }

    static func nonTriggeringReason(_ event: ForgeEvent) -> String {
        switch event.kind {
        case .ping: "ping"
        case .tagPush: "tag pushes do not trigger runs"
        case .branchDeletion: "branch deletions do not trigger runs"
        case .ignored(let reason): reason
        case .pullRequest(let action): "pull request \(action.rawValue) does not trigger runs"
        case .push: "push"
        }
    }
}
