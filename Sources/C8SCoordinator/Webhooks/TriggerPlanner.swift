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

/// Decides from a ``ForgeEvent`` and a pipeline's ``TriggerRules`` whether to run, and which steps.
///
/// 1. Only triggering events go on (pushes; pull requests opened, synchronized or reopened).
/// 2. The pipeline's `branches` globs must select the event's branch (the pushed branch, or a pull
///    request's target branch); an empty list selects every branch.
/// 3. Each step's `when` must hold: `branches` (same branch as above), `events` (`push`,
///    `pull_request`; `merge_request` is accepted for `pull_request`) and `paths` (any changed file
///    matches; when the payload lists no changed files the condition passes).
/// 4. Like GitHub Actions' `if:`, a step whose `when` excludes it is skipped, and so is every step
///    that depends on it, directly or transitively; independent steps still run.
/// 5. When no step is left, the event is ignored.
public enum TriggerPlanner {
    public static func decide(event: ForgeEvent, rules: TriggerRules) -> TriggerDecision {
        guard event.triggers else { return .ignore(reason: nonTriggeringReason(event)) }
        let branch = event.filterBranch ?? ""
        if !GlobList(rules.branches).selects(branch) {
            let list = rules.branches.joined(separator: ", ")
            return .ignore(reason: "branch \"\(branch)\" does not match the pipeline's branches [\(list)]")
        }
        var excluded: [String: String] = [:]
        for step in rules.steps {
            if let reason = exclusion(of: step, event: event, branch: branch) { excluded[step.name] = reason }
        }
        // Propagate to dependents until nothing changes (steps may be listed in any order).
        var changed = true
        while changed {
            changed = false
            for step in rules.steps where excluded[step.name] == nil {
                if let skipped = step.dependsOn.first(where: { excluded[$0] != nil }) {
                    excluded[step.name] = "depends on skipped step \"\(skipped)\""
                    changed = true
                }
            }
        }
        let selected = rules.steps.map(\.name).filter { excluded[$0] == nil }
        guard !selected.isEmpty else {
            return .ignore(reason: "no step's when conditions match this \(event.eventName) event")
        }
        let skipped = rules.steps.compactMap { step in
            excluded[step.name].map { TriggerPlan.SkippedStep(name: step.name, reason: $0) }
        }
        return .run(TriggerPlan(selectedSteps: selected, skippedSteps: skipped))
    }

    static func exclusion(of step: TriggerRules.Step, event: ForgeEvent, branch: String) -> String? {
        guard let when = step.when else { return nil }
        if !GlobList(when.branches).selects(branch) {
            return "when.branches does not match branch \"\(branch)\""
        }
        if !when.events.isEmpty {
            let names = Set(when.events.map { $0 == "merge_request" ? "pull_request" : $0 })
            if !names.contains(event.eventName) { return "when.events does not include \(event.eventName)" }
        }
        if let paths = when.paths, !paths.isEmpty, let changed = event.changedPaths {
            let list = GlobList(paths)
            if !changed.contains(where: list.selects) { return "when.paths matches no changed file" }
        }
        return nil
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
