import Foundation
import Testing

@testable import C8SCore

@Suite struct ValueTests {
    @Test(arguments: [
        ("90s", Int64(90_000_000_000)), ("10m", 600_000_000_000), ("1h30m", 5_400_000_000_000),
        ("1.5h", 5_400_000_000_000), ("300ms", 300_000_000), ("2h45m10s", 9_910_000_000_000), ("0", 0),
        ("1us", 1_000), ("1µs", 1_000), ("5ns", 5),
    ])
    func parsesDurations(text: String, nanoseconds: Int64) {
        #expect(PipelineDuration(parsing: text)?.nanoseconds == nanoseconds)
    }

    @Test(arguments: ["", "10", "1 h", "-5m", "1h30", "m", "1d", "10mm", ".s", "1.2.3s", "99999999999999999999h"])
    func rejectsBadDurations(text: String) {
        #expect(PipelineDuration(parsing: text) == nil)
    }

    @Test func durationsEncodeCanonically() throws {
        #expect(PipelineDuration(parsing: "90s")?.description == "1m30s")
        #expect(PipelineDuration(parsing: "1h30m")?.description == "1h30m")
        #expect(PipelineDuration(parsing: "1.5s")?.description == "1.5s")
        #expect(PipelineDuration(parsing: "300ms")?.description == "300ms")
        let data = try JSONEncoder().encode(["t": PipelineDuration.seconds(5400)])
        #expect(String(decoding: data, as: UTF8.self) == "{\"t\":\"1h30m\"}")
        #expect(try JSONDecoder().decode([String: PipelineDuration].self, from: data)["t"] == .seconds(5400))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([String: PipelineDuration].self, from: Data("{\"t\":\"soon\"}".utf8))
        }
    }

    @Test(arguments: [
        ("500m", 0.5), ("1Gi", 1_073_741_824), ("2.5", 2.5), ("128974848", 128_974_848), ("1e3", 1000), ("129M", 129e6),
        ("1Ki", 1024), (".5", 0.5), ("+1", 1), ("1E-3", 0.001),
    ])
    func parsesQuantities(text: String, value: Double) {
        #expect(Quantity(parsing: text)?.value == value)
        #expect(Quantity(parsing: text)?.text == text)
    }

    @Test(arguments: ["", "1Gx", "1 Gi", "Gi", "1.2.3", "1gi", "1e", "--1", "1Gi2"])
    func rejectsBadQuantities(text: String) {
        #expect(Quantity(parsing: text) == nil)
    }

    @Test func globs() {
        #expect(GlobPattern.matches("release/*", "release/1.2"))
        #expect(!GlobPattern.matches("release/*", "release/1/2"))
        #expect(GlobPattern.matches("src/**", "src/a/b.swift"))
        #expect(GlobPattern.matches("*.out", "coverage.out"))
        #expect(GlobPattern.matches("v?", "v1"))
        #expect(!GlobPattern.matches("main", "maint"))
        #expect(GlobPattern.matches("docs/**/*.md", "docs/a.md"))
        #expect(GlobPattern.matches("docs/**/*.md", "docs/x/y/a.md"))
        #expect(!GlobPattern.matches("docs/**/*.md", "docs/x/y/a.txt"))
        #expect(GlobPattern.matches("**", ""))
    }

    /// Without memoization this pattern takes exponential time in the number of stars and would hang here.
    @Test(.timeLimit(.minutes(1))) func pathologicalGlobsStayPolynomial() {
        let pattern = String(repeating: "*a", count: 40) + "b"
        let text = String(repeating: "a", count: 200)
        #expect(!GlobPattern.matches(pattern, text))
        #expect(GlobPattern.matches(pattern, text + "b"))
        #expect(!GlobPattern.matches(String(repeating: "**a", count: 30) + "/b", String(repeating: "a/", count: 60)))
    }

    @Test func whenConditions() {
        let condition = WhenCondition(branches: ["main", "release/*"], events: ["push"], paths: ["docs/**"])
        #expect(condition.matches(branch: "release/2", event: "push"))
        #expect(!condition.matches(branch: "feature", event: "push"))
        #expect(!condition.matches(branch: "main", event: "pull_request"))
        #expect(condition.matches(branch: "main", event: "push", changedPaths: ["docs/a/b.md"]))
        #expect(!condition.matches(branch: "main", event: "push", changedPaths: ["src/a.swift"]))
        #expect(WhenCondition().matches(branch: nil, event: nil))
    }
}
