import C8SCore

/// Which steps of the pipeline a local run runs, from `--step NAME` (the step and every step it depends on,
/// transitively), `--only NAME` (the step alone) and `--rerun-failed RUN-ID` (the steps that did not succeed in
/// that run). The selected steps keep their order and the dependencies among themselves; a dependency on a step
/// that is not selected is dropped (with `--only` and `--rerun-failed` it counts as satisfied). Nothing selected
/// means every step.
public struct StepSelection: Sendable, Hashable {
    /// `--step`: these steps with their dependencies.
    public var withDependencies: [String] = []
    /// `--only`: these steps without their dependencies.
    public var only: [String] = []
    /// `--rerun-failed`: the names of the steps to run again.
    public var rerun: [String] = []

    public init(withDependencies: [String] = [], only: [String] = [], rerun: [String] = []) {
        self.withDependencies = withDependencies
        self.only = only
        self.rerun = rerun
    }

    /// Whether every step runs.
    public var isEmpty: Bool { withDependencies.isEmpty && only.isEmpty && rerun.isEmpty }

    /// `spec` with only the selected steps. Linear in steps and dependencies.
    public func apply(to spec: PipelineSpec) throws(LocalError) -> PipelineSpec {
        guard !isEmpty else { return spec }
        var byName: [String: PipelineStep] = [:]
        for step in spec.steps where byName[step.name] == nil { byName[step.name] = step }
        for (flag, names) in [("--step", withDependencies), ("--only", only)] {
            for name in names where byName[name] == nil {
                let known = spec.steps.map(\.name).prefix(20).joined(separator: ", ")
                throw .usage("\(flag) \(name): the pipeline has no step \"\(name)\" (its steps: \(known))")
            }
        }
        var keep = Set(only).union(rerun.filter { byName[$0] != nil })
        // --step: the dependency closure, with a work list (no recursion).
        var work = withDependencies
        while let name = work.popLast() {
            guard keep.insert(name).inserted, let step = byName[name] else { continue }
            work.append(contentsOf: step.dependsOn.filter { !keep.contains($0) })
        }
        var selected = spec
        selected.steps = spec.steps.filter { keep.contains($0.name) }.map { step in
            var step = step
            step.dependsOn = step.dependsOn.filter { keep.contains($0) }
            return step
        }
        return selected
    }
}
