import Foundation
import Testing

@testable import C8SCore

@Suite struct MatrixTests {
    @Test func productMinusExcludePlusIncludeInOrder() {
        let matrix = MatrixSpec(
            axes: ["os": ["debian", "alpine"], "go": ["1.22", "1.23"]],
            exclude: [["go": "1.22", "os": "alpine"]],
            include: [["go": "1.24", "os": "debian"], ["go": "1.23", "os": "debian"]]
        )
        let combinations = MatrixExpansion.combinations(of: matrix)
        #expect(
            combinations.map(\.description) == [
                "go=1.22, os=debian", "go=1.23, os=debian", "go=1.23, os=alpine", "go=1.24, os=debian",
            ])
    }

    @Test func partialExcludeRemovesEveryMatch() {
        let matrix = MatrixSpec(axes: ["a": ["1", "2"], "b": ["x", "y"]], exclude: [["b": "y"]])
        #expect(
            MatrixExpansion.combinations(of: matrix).map(\.values) == [["a": "1", "b": "x"], ["a": "2", "b": "x"]])
    }

    @Test func noMatrixIsOneEmptyCombination() throws {
        let spec = try PipelineParser.load(yaml: "steps: [{name: a, commands: [x]}]")
        let expanded = MatrixExpansion.expand(spec)
        #expect(expanded.count == 1)
        #expect(expanded[0].combination.values.isEmpty)
        #expect(expanded[0].spec == spec)
    }

    @Test func substitutesImageCommandsAndEnv() throws {
        let spec = try PipelineParser.load(
            yaml: """
                matrix: {go: ["1.22", "1.23"]}
                env: {TOP: "v${{ matrix.go }}"}
                steps:
                  - name: t
                    image: golang:${{ matrix.go }}
                    env: {GO: "${{matrix.go}}"}
                    commands: ["echo ${{ matrix.go }} ${{ matrix.go }}", "echo ${HOME}"]
                """
        )
        let expanded = MatrixExpansion.expand(spec)
        #expect(expanded.map(\.index) == [0, 1])
        let second = expanded[1].spec
        #expect(second.matrix == nil)
        #expect(second.env == ["TOP": "v1.23"])
        #expect(second.steps[0].image == "golang:1.23")
        #expect(second.steps[0].env == ["GO": "1.23"])
        #expect(second.steps[0].commands == ["echo 1.23 1.23", "echo ${HOME}"])
    }

    @Test func matrixJSONShape() throws {
        let matrix = MatrixSpec(axes: ["go": ["1.22"]], exclude: [], include: [["go": "1.24"]])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(matrix)
        #expect(String(decoding: data, as: UTF8.self) == #"{"go":["1.22"],"include":[{"go":"1.24"}]}"#)
        #expect(try JSONDecoder().decode(MatrixSpec.self, from: data) == matrix)
    }
}
