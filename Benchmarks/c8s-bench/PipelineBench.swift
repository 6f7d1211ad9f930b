import C8SCore
import Foundation

/// Validation and planning at growing sizes, each compared with its own 1 000-step baseline in the same run:
/// linear work shows a growth near 10× from 1 000 to 10 000 steps, quadratic work near 100×.
///
/// - validate: `PipelineValidator.validate` of a DAG where each step depends on up to three earlier ones
///   (step limit raised so that the whole validation runs at every size);
/// - validate, every dependency unknown: each step names a step that does not exist (the case that took 158 s
///   for 5 000 steps when every error computed a "did you mean" over every step);
/// - parse + validate: `PipelineParser.load` of the same DAG written as YAML (at most 1 MiB, so up to 5 000 steps);
/// - plan: one `Planner.plan` over the DAG with every root succeeded and every other step pending, and a whole
///   simulated run up to a 1 000-step DAG (plan, start, succeed, until it finishes: one call per wave, so it grows
///   with steps × depth; its baseline is 250 steps).
enum PipelineBench {
    static let sizes = [1_000, 2_000, 5_000, 10_000]

    static func run() {
        print("")
        print("pipeline validation and planning (median of 5; growth = time / time at the first size)")
        print("case                                        steps   median ms   growth")
        var limits = PipelineLimits.standard
        limits.maxSteps = .max
        limits.maxResolvedSpecBytes = .max
        table("validate") { count in
            let spec = dag(count)
            return { _ = PipelineValidator.validate(spec, limits: limits) }
        }
        table("validate, every dependency unknown") { count in
            let spec = PipelineSpec(
                steps: (0..<count).map { PipelineStep(name: "step-\($0)", commands: ["x"], dependsOn: ["stpe-\($0)"]) })
            return { _ = PipelineValidator.validate(spec, limits: limits) }
        }
        table("parse + validate (YAML)", sizes: [1_000, 2_000, 5_000]) { count in
            let yaml = Array(self.yaml(dag(count)).utf8)
            return { _ = try? PipelineParser.load(yaml) }
        }
        table("plan (one call, roots done)") { count in
            let steps = PlanStep.steps(of: dag(count))
            var observed: [String: ObservedStep] = [:]
            for step in steps where step.dependsOn.isEmpty { observed[step.id] = ObservedStep(phase: .succeeded) }
            let input = PlannerInput(
                steps: steps, observed: observed, now: PlannerTime(seconds: 0), runStart: PlannerTime(seconds: 0))
            return { _ = Planner.plan(input) }
        }
        // One call per wave of the DAG, each linear: the whole run grows with steps × depth.
        table("plan a whole run (every call until finish)", sizes: [250, 500, 1_000]) { count in
            let steps = PlanStep.steps(of: dag(count))
            return { simulate(steps) }
        }
    }

    /// Prints one row per size: the median of five timings of the closure `prepare(size)` returns.
    static func table(_ name: String, sizes: [Int] = sizes, _ prepare: (Int) -> () -> Void) {
        var baseline: Double?
        for count in sizes {
            let body = prepare(count)
            var timings: [Double] = []
            for _ in 0..<5 {
                let start = ContinuousClock.now
                body()
                timings.append(Bench.seconds(ContinuousClock.now - start))
            }
            let median = timings.sorted()[timings.count / 2]
            if baseline == nil { baseline = median }
            print(
                name.padding(toLength: 42, withPad: " ", startingAt: 0)
                    + String(format: "%7d %11.2f %8.1fx", count, median * 1e3, median / max(baseline ?? median, 1e-9)))
        }
    }

    /// `count` steps; step i depends on three of the ten steps before it, chosen by a fixed pattern (a DAG ten
    /// wide, the same at every run).
    static func dag(_ count: Int) -> PipelineSpec {
        let steps = (0..<count).map { index -> PipelineStep in
            var dependencies: Set<String> = []
            if index >= 10 {
                for offset in [index % 10, (index * 7 + 3) % 10, (index * 3 + 5) % 10] {
                    dependencies.insert("step-\(index - 1 - offset)")
                }
            }
            return PipelineStep(
                name: "step-\(index)", image: "alpine:3", commands: ["echo \(index)", "make target-\(index)"],
                dependsOn: dependencies.sorted(), env: ["INDEX": "\(index)"])
        }
        return PipelineSpec(env: ["CI": "true"], steps: steps)
    }

    static func yaml(_ spec: PipelineSpec) -> String {
        var text = "env: {CI: \"true\"}\nsteps:\n"
        for step in spec.steps {
            text += "  - {name: \(step.name), image: \"alpine:3\", "
            text += "commands: [\"\(step.commands.joined(separator: "\", \""))\"]"
            if !step.dependsOn.isEmpty { text += ", dependsOn: [\(step.dependsOn.joined(separator: ", "))]" }
            text += ", env: {INDEX: \"\(step.env["INDEX"] ?? "")\"}}\n"
        }
        return text
    }

    /// Runs the planner to the end: each started step succeeds before the next call.
    static func simulate(_ steps: [PlanStep]) {
        var observed: [String: ObservedStep] = [:]
        while true {
            let plan = Planner.plan(
                PlannerInput(
                    steps: steps, observed: observed, now: PlannerTime(seconds: 0), runStart: PlannerTime(seconds: 0)))
            var progressed = false
            for action in plan.actions {
                switch action {
                case .start(let id):
                    observed[id] = ObservedStep(phase: .succeeded)
                    progressed = true
                case .finish:
                    return
                default:
                    break
                }
            }
            if !progressed { return }
        }
    }
}
