import C8SCore
import Foundation
import Testing

@testable import C8SLocal

@Suite struct ExampleTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples")

    @Test(arguments: ["diamond", "matrix", "failure"])
    func examplesAreValid(name: String) throws {
        let spec = try PipelineParser.load(contentsOf: Self.examples.appendingPathComponent("\(name)/.c8s.yaml").path)
        #expect(spec.steps.count >= 2)
    }

    @Test func diamondHasTwoMiddleStepsDependingOnTheSameStep() throws {
        let spec = try PipelineParser.load(contentsOf: Self.examples.appendingPathComponent("diamond/.c8s.yaml").path)
        let middle = spec.steps.filter { $0.dependsOn == ["checkout-info"] }
        #expect(middle.count == 2)
        #expect(spec.steps.contains { Set($0.dependsOn) == Set(middle.map(\.name)) })
    }

    @Test func failureExampleBehavesAsDocumented() throws {
        let cli = try CLIHarness()
        defer { cli.remove() }
        try FileManager.default.copyItem(
            at: Self.examples.appendingPathComponent("failure/.c8s.yaml"),
            to: cli.directory.appendingPathComponent(".c8s.yaml")
        )
        let result = try cli.run(["run", "--local", "--secret", "demo.token=hunter2"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("the token is ***"))
        #expect(!result.stdout.contains("hunter2"))
        let run = try #require(cli.runs.first)
        let phases = Dictionary(uniqueKeysWithValues: run.steps.map { ($0.key, $0.phase) })
        #expect(
            phases == [
                "flaky": .failed, "after-flaky": .succeeded, "broken": .failed, "package": .skipped, "docs": .succeeded,
            ])
    }
}
