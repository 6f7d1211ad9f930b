import C8SAPI
import C8SCore
import Foundation

/// The annotations a webhook-created `PipelineRun` carries.
public enum TriggerAnnotations {
    /// JSON list of the step names the run executes (the webhook's trigger plan). Steps not listed are
    /// skipped by the reconciler (`ConditionNotMet`): the run has no changed-path list, so `when` could
    /// not be evaluated again faithfully.
    public static let selectedSteps = "c8s.dev/selected-steps"
    /// The forge's delivery id of the webhook that created the run.
    public static let delivery = "c8s.dev/webhook-delivery"
    /// The `RepositoryConnection` the webhook came through.
    public static let repositoryConnection = "c8s.dev/repository-connection"
}

/// Reads and writes the ``TriggerAnnotations/selectedSteps`` annotation.
public enum SelectedSteps {
    /// The annotation value for `steps`.
    public static func encode(_ steps: [String]) -> String {
        let data = (try? JSONEncoder().encode(steps)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The selected step names of `run`, or `nil` when it carries no (valid) selection: then every step
    /// whose `when` holds runs.
    public static func of(_ run: PipelineRun) -> Set<String>? {
        guard let text = run.metadata.annotations?[TriggerAnnotations.selectedSteps],
            let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8))
        else { return nil }
        return Set(names)
    }

    /// The plan steps of `run` running `spec`: `when` evaluated for the run's branch and event, unless
    /// the run carries a selection, which then decides alone which steps are enabled.
    public static func planSteps(run: PipelineRun, spec: PipelineSpec) -> [PlanStep] {
        var steps = PlanStep.steps(of: spec, branch: run.spec.branch, event: run.spec.event?.rawValue)
        if let selected = of(run) {
            for index in steps.indices { steps[index].enabled = selected.contains(steps[index].id) }
        }
        return steps
    }
}
