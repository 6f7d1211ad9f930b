import Testing

@testable import C8SCore

@Suite struct ValidatorTests {
    @Test func reportsEveryErrorOfAFileAtOnceWithPositions() {
        let errors = parseErrors(
            """
            timeout: 0s
            env: {1BAD: x}
            steps:
              - name: Build_It
                commands: [make]
              - name: test
                dependsOn: [biuld, nothing-like-it]
                commands: []
                timeout: 10m
                secrets: [{name: "Bad Name", key: "a/b", env: "X-Y"}]
                artifacts: [/etc/passwd, ../up]
                resources: {requests: {cpu: "2"}, limits: {cpu: "1"}}
              - name: test
                commands: [x]
            """
        )
        #expect(
            errors.map(\.description) == [
                "p.yaml:1:10: timeout: the run timeout must be positive",
                "p.yaml:2:13: env.1BAD: \"1BAD\" is not a valid environment variable name: "
                    + "use letters, digits and '_', not starting with a digit",
                "p.yaml:4:11: steps[0].name: step name \"Build_It\" is not a DNS-1123 label: "
                    + "use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
                "p.yaml:7:17: steps[1].dependsOn[0]: unknown step \"biuld\"",
                "p.yaml:7:24: steps[1].dependsOn[1]: unknown step \"nothing-like-it\"",
                "p.yaml:8:15: steps[1].commands: a step needs at least one command",
                "p.yaml:10:22: steps[1].secrets[0].name: secret name \"Bad Name\" is not a valid Kubernetes name",
                "p.yaml:10:39: steps[1].secrets[0].key: secret key \"a/b\" "
                    + "may hold only letters, digits, '-', '_' and '.'",
                "p.yaml:10:51: steps[1].secrets[0].env: \"X-Y\" is not a valid environment variable name: "
                    + "use letters, digits and '_', not starting with a digit",
                "p.yaml:11:17: steps[1].artifacts[0]: artifact \"/etc/passwd\" "
                    + "must be a path inside the step workspace (relative, without '..')",
                "p.yaml:11:30: steps[1].artifacts[1]: artifact \"../up\" "
                    + "must be a path inside the step workspace (relative, without '..')",
                "p.yaml:12:33: steps[1].resources.requests.cpu: request 2 is greater than the limit 1",
                "p.yaml:13:11: steps[2].name: duplicate step name \"test\" (also steps[1])",
            ])
    }

    @Test func suggestsCloseStepNames() {
        let errors = parseErrors(
            "steps:\n  - name: build\n    commands: [x]\n  - name: t\n    dependsOn: [biuld]\n    commands: [x]\n")
        #expect(errors.map(\.message) == ["unknown step \"biuld\"; did you mean \"build\"?"])
        #expect(errors.first?.kind == .unknownDependency)
    }

    @Test func rejectsCyclesWithTheirPath() {
        let errors = parseErrors(
            """
            steps:
              - name: a
                dependsOn: [c]
                commands: [x]
              - name: b
                dependsOn: [a]
                commands: [x]
              - name: c
                dependsOn: [b]
                commands: [x]
              - name: d
                dependsOn: [d]
                commands: [x]
            """
        )
        #expect(
            errors.map(\.description) == [
                "p.yaml:3:16: steps[0].dependsOn: dependency cycle: a -> c -> b -> a (each step depends on the next)",
                "p.yaml:12:16: steps[3].dependsOn: dependency cycle: d -> d (each step depends on the next)",
            ])
        #expect(errors.allSatisfy { $0.kind == .cycle })
    }

    @Test func checksTheMatrixAndItsExpressions() {
        let errors = parseErrors(
            """
            matrix:
              go: ["1.22", "1.22"]
              os: []
              exclude: [{goo: "1.22"}]
              include: [{go: "1.24"}]
            env: {V: "${{ matrix.version }}"}
            steps:
              - name: a
                image: golang:${{ matrix.og }}
                commands: ["echo ${{ secrets.token }}", "echo ${{matrix.go}}"]
            """
        )
        #expect(
            errors.map(\.description) == [
                "p.yaml:2:16: matrix.go[1]: value \"1.22\" appears twice in axis \"go\"",
                "p.yaml:3:7: matrix.os: axis \"os\" needs at least one value",
                "p.yaml:4:19: matrix.exclude[0].goo: \"goo\" is not an axis of the matrix; did you mean \"go\"?",
                "p.yaml:5:13: matrix.include[0]: an include entry needs a value for every axis; missing: os",
                "p.yaml:6:10: env.V: matrix.version is not an axis of the matrix (axes: go, os)",
                "p.yaml:9:12: steps[0].image: matrix.og is not an axis of the matrix; did you mean matrix.os?",
                "p.yaml:10:16: steps[0].commands[0]: unsupported expression \"${{ secrets.token }}\"; "
                    + "only ${{ matrix.NAME }} is available",
            ])
        #expect(errors.filter { $0.kind == .undefinedMatrixAxis }.count == 3)
        let noMatrix = parseErrors("steps:\n  - name: a\n    commands: [\"echo ${{ matrix.go }}\"]\n")
        #expect(noMatrix.map(\.message) == ["matrix.go is used but the pipeline has no matrix"])
        #expect(parseErrors("matrix: {}\nsteps: [{name: a, commands: [x]}]\n").map(\.field) == ["matrix"])
    }

    @Test func reportsMissingSecretFields() {
        let errors = parseErrors("steps:\n  - name: a\n    commands: [x]\n    secrets: [{name: s}]\n")
        #expect(
            errors.map(\.description) == [
                "p.yaml:4:15: steps[0].secrets[0].key: a secret needs \"key\" (all of name, key, env)",
                "p.yaml:4:15: steps[0].secrets[0].env: a secret needs \"env\" (all of name, key, env)",
            ])
    }

    @Test func validatesSpecsWithoutASourceMap() {
        let spec = PipelineSpec(steps: [PipelineStep(name: "a", commands: ["x"], dependsOn: ["zz"])])
        let errors = PipelineValidator.validate(spec)
        #expect(errors.map(\.description) == ["steps[0].dependsOn[0]: unknown step \"zz\""])
        #expect(PipelineValidator.validate(PipelineSpec()).map(\.field) == ["steps"])
    }

    @Test func dnsLabels() {
        #expect(Names.isDNSLabel("build-a"))
        #expect(Names.isDNSLabel("a1"))
        #expect(!Names.isDNSLabel("-a"))
        #expect(!Names.isDNSLabel("a-"))
        #expect(!Names.isDNSLabel("A"))
        #expect(!Names.isDNSLabel(String(repeating: "a", count: 64)))
        #expect(Names.isDNSLabel(String(repeating: "a", count: 63)))
    }
}
