import Foundation
import Testing

@testable import C8SCore

@Suite struct NestingDepthTests {
    @Test(arguments: [
        ("flow lists", String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)),
        ("flow mappings", String(repeating: "{a: ", count: 50_000) + "x" + String(repeating: "}", count: 50_000)),
        ("block mappings", (0..<200).map { String(repeating: " ", count: $0) + "a:\n" }.joined()),
    ])
    func refusesDeepNestingWithoutCrashing(_ shape: String, _ yaml: String) {
        let errors = parseErrors(yaml)
        #expect(errors.count == 1, "\(shape)")
        #expect(errors.first?.kind == .limitExceeded)
        #expect(
            errors.first?.message
                == "collections are nested more than 64 levels deep; the limit is 64 (maxDepth)")
        #expect(errors.first?.description.hasPrefix("p.yaml:") == true)
    }

    @Test func acceptsNestingUpToTheLimit() {
        // 63 list levels inside `env`'s mapping inside the document: within the limit, so the only error is
        // the type of `env`.
        let deep = String(repeating: "[", count: 62) + String(repeating: "]", count: 62)
        let errors = parseErrors("env: \(deep)\nsteps: [{name: a, commands: [x]}]\n")
        #expect(errors.map(\.kind) == [.wrongType])
    }
}

@Suite struct PipelineLimitTests {
    static func axes(_ count: Int, values: Int) -> String {
        (0..<count).map { axis in
            "  a\(axis): [" + (0..<values).map { "v\($0)" }.joined(separator: ", ") + "]\n"
        }.joined()
    }

    @Test func refusesTheThreeToTheTwentiethMatrixWithoutExpandingIt() {
        let errors = parseErrors("matrix:\n" + Self.axes(20, values: 3) + "steps: [{name: a, commands: [x]}]\n")
        #expect(
            errors.map(\.description) == [
                "p.yaml:2:3: matrix: 20 axes; the limit is 16 (maxMatrixAxes)",
                "p.yaml:2:3: matrix: the axes make 3486784401 combinations before exclude; "
                    + "the limit is 4096 (maxMatrixProduct)",
            ])
    }

    @Test func refusesAThousandByThousandMatrix() {
        let errors = parseErrors("matrix:\n" + Self.axes(2, values: 1000) + "steps: [{name: a, commands: [x]}]\n")
        #expect(
            errors.map(\.message) == [
                "the axes make 1000000 combinations before exclude; the limit is 4096 (maxMatrixProduct)",
                "1000 values; the limit is 256 (maxMatrixEntries)",
                "1000 values; the limit is 256 (maxMatrixEntries)",
            ])
    }

    @Test func countsCombinationsAfterExcludeAndInclude() throws {
        // 17 × 17 = 289 combinations: over 256 until two exclude entries remove 34 of them.
        let matrix = "matrix:\n" + Self.axes(2, values: 17)
        let steps = "steps: [{name: a, commands: [x]}]\n"
        #expect(
            parseErrors(matrix + steps).map(\.description) == [
                "p.yaml:2:3: matrix: the matrix makes 289 combinations after exclude and include; "
                    + "the limit is 256 (maxMatrixCombinations)"
            ])
        let spec = try PipelineParser.load(yaml: matrix + "  exclude: [{a0: v0}, {a0: v1}]\n" + steps)
        #expect(MatrixExpansion.combinations(of: spec.matrix).count == 255)
        #expect(try MatrixExpansion.boundedCombinations(of: spec.matrix).count == 255)
        let included = matrix + "  exclude: [{a0: v0}, {a0: v1}]\n  include: [{a0: v0, a1: v0}, {a0: v1, a1: v0}]\n"
        #expect(
            parseErrors(included + steps).map(\.message) == [
                "the matrix makes 257 combinations after exclude and include; the limit is 256 (maxMatrixCombinations)"
            ])
    }

    @Test func boundedExpansionRefusesWithoutExpanding() {
        let matrix = MatrixSpec(axes: Dictionary(uniqueKeysWithValues: (0..<20).map { ("a\($0)", ["x", "y", "z"]) }))
        #expect(throws: PipelineError.self) { try MatrixExpansion.boundedCombinations(of: matrix) }
        do {
            _ = try MatrixExpansion.boundedCombinations(of: matrix)
        } catch {
            #expect(error.kind == .limitExceeded)
            #expect(
                error.description
                    == "matrix: the axes make 3486784401 combinations before exclude; "
                    + "the limit is 4096 (maxMatrixProduct)")
        }
        let huge = MatrixSpec(
            axes: Dictionary(uniqueKeysWithValues: (0..<16).map { ("a\($0)", (0..<256).map { "\($0)" }) }))
        #expect(MatrixExpansion.product(of: huge) == nil)
        #expect(throws: PipelineError.self) { try MatrixExpansion.boundedCombinations(of: huge) }
    }

    @Test func refusesOversizedStepsAndNamesTheLimit() {
        let long = String(repeating: "x", count: 32 * 1024 + 1)
        let commands = (0..<101).map { "c\($0)" }.joined(separator: ", ")
        let env = (0..<101).map { "E\($0): v" }.joined(separator: ", ")
        let yaml = """
            branches: [\(String(repeating: "b", count: 256))]
            steps:
              - name: a
                commands: [\(commands)]
              - name: b
                commands: ["\(long)"]
                env: {\(env)}
                dependsOn: [\((0..<101).map { _ in "a" }.joined(separator: ", "))]
            """
        #expect(
            parseErrors(yaml).map(\.description) == [
                "p.yaml:1:12: branches[0]: the value is 256 bytes; the limit is 255 bytes (maxNameBytes)",
                "p.yaml:4:15: steps[0].commands: 101 commands; the limit is 100 (maxCommands)",
                "p.yaml:6:16: steps[1].commands[0]: the command is 32769 bytes; "
                    + "the limit is 32768 bytes (maxCommandBytes)",
                "p.yaml:7:10: steps[1].env: 101 environment variables; the limit is 100 (maxEnvEntries)",
                "p.yaml:8:16: steps[1].dependsOn: 101 dependencies; the limit is 100 (maxDependencies)",
            ])
    }

    @Test func refusesAPipelineWhoseResolvedFormCannotFitTheRunSnapshot() {
        let value = String(repeating: "v", count: 255)
        let command = String(repeating: "${{matrix.x}}", count: 2_500)
        let errors = parseErrors("matrix: {x: [\(value)]}\nsteps: [{name: a, commands: [\"\(command)\"]}]\n")
        #expect(errors.count == 1)
        #expect(errors.first?.kind == .limitExceeded)
        #expect(errors.first?.message.contains("the limit is 524288 bytes (maxResolvedSpecBytes)") == true)
        #expect(errors.first?.message.contains("with the matrix values substituted") == true)
    }

    @Test func aSpecFromTheAPIIsCheckedByTheSameLimits() {
        var spec = PipelineSpec(steps: (0..<1_001).map { PipelineStep(name: "s\($0)", commands: ["x"]) })
        spec.matrix = MatrixSpec(axes: Dictionary(uniqueKeysWithValues: (0..<20).map { ("a\($0)", ["x", "y", "z"]) }))
        let errors = PipelineValidator.validate(spec)
        #expect(
            errors.map(\.description) == [
                "steps: 1001 steps; the limit is 1000 (maxSteps)",
                "matrix: 20 axes; the limit is 16 (maxMatrixAxes)",
                "matrix: the axes make 3486784401 combinations before exclude; the limit is 4096 (maxMatrixProduct)",
            ])
    }
}

@Suite struct LinearValidationTests {
    /// 5,000 steps each naming an unknown step: every error is found, suggestions stop after the first few,
    /// at most 100 errors are reported and the last counts the rest.
    @Test func manyUnknownDependenciesAreReportedBoundedly() {
        let steps = (0..<1_000).map { "  - {name: step-\($0), dependsOn: [stpe-\($0)], commands: [x]}\n" }.joined()
        let errors = parseErrors("steps:\n" + steps)
        #expect(errors.count == 101)
        #expect(
            errors[0].description
                == "p.yaml:2:32: steps[0].dependsOn[0]: unknown step \"stpe-0\"; did you mean \"step-0\"?")
        #expect(errors[99].message == "unknown step \"stpe-99\"")
        #expect(errors[100].kind == .tooManyErrors)
        #expect(errors[100].message == "900 more errors not shown; at most 100 are reported (maxReportedErrors)")
        let raw = PipelineValidator.validate(
            PipelineSpec(
                steps: (0..<5_000).map { PipelineStep(name: "s\($0)", commands: ["x"], dependsOn: ["u\($0)"]) }))
        #expect(raw.filter { $0.kind == .unknownDependency }.count == 5_000)
    }

    @Test func suggestionsIgnoreHugeNames() {
        let huge = String(repeating: "a", count: 100_000)
        #expect(EditDistance.closest(to: huge, among: [huge + "b"]) == nil)
        #expect(EditDistance.closest(to: "biuld", among: ["build", huge]) == "build")
    }
}

@Suite struct LinearPlanningTests {
    /// A chain written in reverse order whose first step failed is skipped in one plan (one pass, not one per
    /// link), with the actions in step order.
    @Test func aFailureSkipsAReversedChainInOnePlan() {
        let count = 10_000
        let steps = (0..<count).reversed().map { index in
            PlanStep(id: "s\(index)", dependsOn: index == 0 ? [] : ["s\(index - 1)"])
        }
        let plan = Planner.plan(
            PlannerInput(
                steps: steps, observed: ["s0": ObservedStep(phase: .failed)], now: PlannerTime(seconds: 0),
                runStart: PlannerTime(seconds: 0)))
        #expect(plan.actions.count == count)
        #expect(plan.actions.first == .skip("s\(count - 1)", .dependencyNotSucceeded("s\(count - 2)")))
        #expect(plan.actions[count - 2] == .skip("s1", .dependencyNotSucceeded("s0")))
        #expect(plan.actions.last == .finish(.failed))
    }

    @Test func stepsOnACycleStillFollowTheRules() {
        let steps = [
            PlanStep(id: "off", enabled: false), PlanStep(id: "a", dependsOn: ["b", "off"]),
            PlanStep(id: "b", dependsOn: ["a"]),
        ]
        let plan = Planner.plan(
            PlannerInput(steps: steps, now: PlannerTime(seconds: 0), runStart: PlannerTime(seconds: 0)))
        #expect(
            plan.actions == [
                .skip("off", .conditionNotMet), .skip("a", .dependencyNotSucceeded("off")),
                .skip("b", .dependencyNotSucceeded("a")), .finish(.succeeded),
            ])
    }
}
