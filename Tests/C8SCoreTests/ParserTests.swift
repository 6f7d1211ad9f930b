import Foundation
import Testing

@testable import C8SCore

/// Parses `yaml` and returns the errors it throws (empty when it is valid).
func parseErrors(_ yaml: String, file: String = "p.yaml") -> [PipelineError] {
    do {
        _ = try PipelineParser.load(yaml: yaml, file: file)
        return []
    } catch {
        return error.errors
    }
}

@Suite struct ParserTests {
    static let fullPipeline = """
        repository: https://github.com/acme/shop
        branches: [main, "release/*"]
        timeout: 45m
        env: {GOFLAGS: -mod=mod}
        matrix:
          go: ["1.22", "1.23"]
          os: [debian, alpine]
          exclude: [{go: "1.22", os: alpine}]
          include: [{go: "1.24", os: debian}]
        steps:
          - name: lint
            image: golang:${{ matrix.go }}
            commands: ["go vet ./..."]
          - name: test
            image: golang:${{ matrix.go }}
            dependsOn: [lint]
            commands: ["go test ./..."]
            timeout: 10m
            resources: {requests: {cpu: "1", memory: 1Gi}, limits: {memory: 2Gi}}
            env: {CGO_ENABLED: "0"}
            secrets: [{name: codecov, key: token, env: CODECOV_TOKEN}]
            artifacts: [coverage.out]
            when: {branches: [main], events: [push], paths: ["src/**"]}
            allowFailure: true
        """

    @Test func parsesEveryField() throws {
        let spec = try PipelineParser.load(yaml: Self.fullPipeline)
        #expect(spec.repository == "https://github.com/acme/shop")
        #expect(spec.branches == ["main", "release/*"])
        #expect(spec.timeout == .seconds(45 * 60))
        #expect(spec.env == ["GOFLAGS": "-mod=mod"])
        #expect(spec.matrix?.axes == ["go": ["1.22", "1.23"], "os": ["debian", "alpine"]])
        #expect(spec.matrix?.exclude == [["go": "1.22", "os": "alpine"]])
        #expect(spec.matrix?.include == [["go": "1.24", "os": "debian"]])
        #expect(spec.steps.map(\.name) == ["lint", "test"])
        let test = spec.steps[1]
        #expect(test.image == "golang:${{ matrix.go }}")
        #expect(test.dependsOn == ["lint"])
        #expect(test.commands == ["go test ./..."])
        #expect(test.timeout == .seconds(600))
        #expect(test.resources?.requests["cpu"]?.value == 1)
        #expect(test.resources?.requests["memory"]?.value == 1_073_741_824)
        #expect(test.resources?.limits["memory"]?.text == "2Gi")
        #expect(test.env == ["CGO_ENABLED": "0"])
        #expect(test.secrets == [SecretReference(name: "codecov", key: "token", env: "CODECOV_TOKEN")])
        #expect(test.artifacts == ["coverage.out"])
        #expect(test.when == WhenCondition(branches: ["main"], events: ["push"], paths: ["src/**"]))
        #expect(test.allowFailure)
        #expect(spec.steps[0].allowFailure == false)
    }

    @Test func jsonUsesTheYAMLFieldNamesAndRoundTrips() throws {
        let spec = try PipelineParser.load(yaml: Self.fullPipeline)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(spec)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["repository", "branches", "timeout", "env", "matrix", "steps"])
        #expect(object["timeout"] as? String == "45m")
        let matrix = try #require(object["matrix"] as? [String: Any])
        #expect(Set(matrix.keys) == ["go", "os", "exclude", "include"])
        #expect(matrix["go"] as? [String] == ["1.22", "1.23"])
        let steps = try #require(object["steps"] as? [[String: Any]])
        #expect(Set(steps[0].keys) == ["name", "image", "commands"])
        #expect(
            Set(steps[1].keys) == [
                "name", "image", "commands", "dependsOn", "timeout", "resources", "env", "secrets", "artifacts", "when",
                "allowFailure",
            ]
        )
        #expect((steps[1]["resources"] as? [String: [String: String]])?["requests"]?["memory"] == "1Gi")
        #expect(try JSONDecoder().decode(PipelineSpec.self, from: data) == spec)
    }

    @Test func parsesAPipelineConfigObject() throws {
        let yaml = """
            apiVersion: c8s.dev/v1alpha1
            kind: PipelineConfig
            metadata: {name: shop, namespace: ci}
            spec:
              steps:
                - name: build
                  commands: [make]
                  timeout: 10q
            """
        let errors = parseErrors(yaml)
        #expect(
            errors.map(\.description) == [
                "p.yaml:8:16: spec.steps[0].timeout: invalid duration \"10q\"; write it like 90s, 10m or 1h30m"
            ])
        let spec = try PipelineParser.load(yaml: yaml.replacingOccurrences(of: "10q", with: "10m"))
        #expect(spec.steps.first?.name == "build")
        let wrongKind = parseErrors(yaml.replacingOccurrences(of: "kind: PipelineConfig", with: "kind: Pipeline"))
        #expect(wrongKind.map(\.field).contains("kind"))
    }

    @Test func reportsUnknownFieldsWithASuggestion() {
        let errors = parseErrors("steps:\n  - name: a\n    comands: [x]\n    commands: [y]\n")
        #expect(
            errors.map(\.description) == [
                "p.yaml:3:5: steps[0].comands: unknown field \"comands\"; did you mean \"commands\"?"
            ])
        #expect(errors.first?.kind == .unknownField)
        let far = parseErrors("stepz: []\nsteps: [{name: a, commands: [x]}]\nzzzzzzzz: 1\n")
        #expect(far.map(\.field) == ["stepz", "zzzzzzzz"])
        #expect(far[0].message.contains("did you mean \"steps\""))
        #expect(far[1].message.contains("known fields"))
    }

    @Test func reportsDuplicateKeys() {
        let errors = parseErrors("steps:\n  - name: a\n    commands: [x]\n    name: b\n")
        #expect(
            errors.map(\.description) == [
                "p.yaml:4:5: steps[0].name: duplicate key \"name\" (first given on line 2)"
            ])
        #expect(errors.first?.kind == .duplicateKey)
    }

    @Test func reportsWrongTypes() {
        let errors = parseErrors(
            """
            env: [A, B]
            steps:
              - name: a
                commands: echo hi
                allowFailure: "yes"
                dependsOn: {x: y}
              - just a string
            """
        )
        #expect(
            errors.map(\.description) == [
                "p.yaml:1:6: env: expected a mapping of strings, got a list",
                "p.yaml:4:15: steps[0].commands: expected a list, got a string",
                "p.yaml:5:19: steps[0].allowFailure: expected true or false, got a string",
                "p.yaml:6:16: steps[0].dependsOn: expected a list, got a mapping",
                "p.yaml:7:5: steps[1]: expected a step (a mapping with name and commands), got a string",
            ])
        #expect(errors.allSatisfy { $0.kind == .wrongType })
    }

    @Test func reportsMissingFields() {
        let errors = parseErrors("steps:\n  - image: x\n")
        #expect(
            errors.map(\.description) == [
                "p.yaml:2:5: steps[0].name: a step needs a \"name\"",
                "p.yaml:2:5: steps[0].commands: a step needs a \"commands\" list",
            ])
        #expect(parseErrors("env: {}\n").map(\.description) == ["p.yaml:1:1: steps: a pipeline needs a \"steps\" list"])
        #expect(parseErrors("").first?.kind == .missingField)
    }

    @Test func reportsSyntaxErrorsWithTheirPosition() {
        let errors = parseErrors("steps:\n  - name: a\n    commands: [x\n")
        #expect(errors.count == 1)
        #expect(errors.first?.kind == .syntax)
        #expect(errors.first?.line == 4)
        #expect(errors.first?.column == 1)
        #expect(parseErrors("a: 1\n---\nb: 2\n").first?.description.contains("more than one YAML document") == true)
        #expect(parseErrors("steps: *nothing\n").first?.message == "unknown anchor \"*nothing\"")
    }

    @Test func refusesAliasBombs() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...6 {
            yaml +=
                "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
                + "]\n"
        }
        let errors = parseErrors(yaml)
        #expect(errors.count == 1)
        #expect(errors.first?.kind == .aliasLimit)
        #expect(errors.first?.line == 5)  // a4 is the first level past 100 000 nodes
    }

    @Test func acceptsModestAliases() throws {
        let spec = try PipelineParser.load(
            yaml: "env: &common {A: \"1\"}\nsteps:\n  - name: a\n    env: *common\n    commands: [x]\n"
        )
        #expect(spec.steps[0].env == ["A": "1"])
    }

    @Test func refusesOversizedDocuments() {
        let yaml =
            "steps: [{name: a, commands: [x]}]\n#" + String(repeating: "x", count: PipelineParser.maxDocumentBytes)
        let errors = parseErrors(yaml)
        #expect(errors.count == 1)
        #expect(errors.first?.kind == .documentTooLarge)
    }

    @Test func readsFilesAndReportsUnreadableOnes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("c8s-parser-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent(".c8s.yaml").path
        try "steps:\n  - name: a\n    commands: [x]\n    timeout: 5\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: PipelineErrors.self) { try PipelineParser.load(contentsOf: path) }
        do {
            _ = try PipelineParser.load(contentsOf: path)
        } catch {
            #expect(
                error.description
                    == "\(path):4:14: steps[0].timeout: invalid duration \"5\"; write it like 90s, 10m or 1h30m")
        }
        do {
            _ = try PipelineParser.load(contentsOf: directory.appendingPathComponent("missing.yaml").path)
            Issue.record("a missing file parsed")
        } catch {
            #expect(error.errors.first?.kind == .unreadableFile)
        }
    }
}

@Suite struct ParserRedundancyTests {
    @Test func aRejectedValueIsNotReportedAgainByValidation() {
        // `echo "a: b"` unquoted in a flow list is a mapping, not a string.
        let errors = parseErrors("steps:\n  - name: a\n    commands: [echo x: y]\n")
        #expect(errors.map(\.description) == ["p.yaml:3:16: steps[0].commands[0]: expected a string, got a mapping"])
    }
}

@Suite struct LargeDocumentTests {
    static func chain(maxBytes: Int, maxSteps: Int = .max) -> (yaml: String, count: Int) {
        var yaml = "steps:\n"
        var count = 0
        while count < maxSteps {
            var step = "  - name: step-\(count)\n"
            if count > 0 { step += "    dependsOn: [step-\(count - 1)]\n" }
            step += "    commands: [\"echo \(count)\", \"make target-\(count)\"]\n    env: {A: \"\(count)\", B: x}\n"
            if yaml.utf8.count + step.utf8.count > maxBytes { break }
            yaml += step
            count += 1
        }
        return (yaml, count)
    }

    /// A chain of as many steps as allowed is accepted, and closing it into a cycle is found without recursion.
    @Test func acceptsAChainOfTheMostStepsAllowed() throws {
        let (yaml, count) = Self.chain(
            maxBytes: PipelineParser.maxDocumentBytes, maxSteps: PipelineLimits.standard.maxSteps)
        let spec = try PipelineParser.load(yaml: yaml)
        #expect(spec.steps.count == count)
        #expect(count == PipelineLimits.standard.maxSteps)
        let cyclic = yaml.replacingOccurrences(
            of: "  - name: step-0\n", with: "  - name: step-0\n    dependsOn: [step-\(count - 1)]\n")
        let errors = parseErrors(cyclic)
        #expect(errors.count == 1)
        #expect(errors.first?.kind == .cycle)
        #expect(
            errors.first?.message.hasPrefix("dependency cycle: step-0 -> step-\(count - 1) -> step-\(count - 2)")
                == true)
    }

    /// A document just under 1 MiB holding thousands of steps is refused by the step limit alone.
    @Test func refusesAChainJustUnderTheSizeLimitByItsStepCount() {
        let (yaml, count) = Self.chain(maxBytes: PipelineParser.maxDocumentBytes - 100)
        #expect(count > 5000)
        let errors = parseErrors(yaml)
        #expect(errors.allSatisfy { $0.kind == .limitExceeded })
        #expect(errors.map(\.description).contains("p.yaml:2:3: steps: \(count) steps; the limit is 1000 (maxSteps)"))
    }
}

@Suite struct NestedFieldTests {
    @Test func unknownAndMistypedNestedFieldsAreLocated() {
        let errors = parseErrors(
            """
            matrix:
              go: "1.22"
            steps:
              - name: a
                commands: [x]
                resources: {request: {cpu: "1"}}
                when: {branch: [main]}
                secrets: [{name: s, key: k, env: E, value: v}]
            """
        )
        #expect(
            errors.map(\.description) == [
                "p.yaml:2:7: matrix.go: expected a list, got a string",
                "p.yaml:6:17: steps[0].resources.request: unknown field \"request\"; did you mean \"requests\"?",
                "p.yaml:7:12: steps[0].when.branch: unknown field \"branch\"; did you mean \"branches\"?",
                "p.yaml:8:41: steps[0].secrets[0].value: unknown field \"value\"; known fields: name, key, env",
            ])
    }
}
