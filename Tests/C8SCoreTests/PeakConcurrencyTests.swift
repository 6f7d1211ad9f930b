import C8STestSupport
import Testing

@testable import C8SCore

@Suite struct PeakConcurrencyTests {
    static func steps(_ shape: [(String, [String])]) -> [PipelineStep] {
        shape.map { PipelineStep(name: $0.0, commands: ["x"], dependsOn: $0.1) }
    }

    @Test(
        arguments: [
            ("one step", [("a", [String]())], ["a": 3], 3),
            ("independent steps add up", [("a", []), ("b", []), ("c", [])], ["a": 1, "b": 2, "c": 4], 7),
            ("a chain runs one at a time", [("a", []), ("b", ["a"]), ("c", ["b"])], ["a": 5, "b": 2, "c": 4], 5),
            (
                "diamond: the middle runs together", [("a", []), ("b", ["a"]), ("c", ["a"]), ("d", ["b", "c"])],
                ["a": 3, "b": 2, "c": 2, "d": 1], 4
            ),
            (
                "a heavy root beats the wide middle", [("a", []), ("b", ["a"]), ("c", ["a"])],
                ["a": 10, "b": 2, "c": 2], 10
            ),
            // b and c are unrelated even though both follow a: {b, d} or {c, d}? d depends on a only, so {b, c, d}.
            (
                "siblings across branches", [("a", []), ("b", ["a"]), ("c", ["b"]), ("d", ["a"])],
                ["a": 1, "b": 2, "c": 3, "d": 5], 8
            ),
            (
                "transitive order is respected", [("a", []), ("b", ["a"]), ("c", ["b"]), ("x", [])],
                ["a": 4, "b": 1, "c": 4, "x": 1], 5
            ),
        ] as [(String, [(String, [String])], [String: Int64], Int64)])
    func peaks(_ name: String, _ shape: [(String, [String])], _ weights: [String: Int64], _ expected: Int64) {
        #expect(PeakConcurrency.peak(of: Self.steps(shape)) { weights[$0.name] ?? 0 } == expected, "\(name)")
    }

    /// Against brute force over every subset, on small random DAGs.
    @Test func agreesWithBruteForce() {
        var generator = SeededGenerator(seed: 7)
        func next() -> UInt64 { generator.next() }
        for _ in 0..<200 {
            let count = 1 + Int(next() % 9)
            var shape: [(String, [String])] = []
            var weights: [String: Int64] = [:]
            for i in 0..<count {
                let dependencies = (0..<i).filter { _ in next() % 3 == 0 }.map { "s\($0)" }
                shape.append(("s\(i)", dependencies))
                weights["s\(i)"] = Int64(next() % 10)
            }
            // Reachability, then the heaviest subset without a comparable pair.
            var reaches = [[Bool]](repeating: [Bool](repeating: false, count: count), count: count)
            for i in 0..<count {
                for dependency in shape[i].1 { reaches[Int(dependency.dropFirst())!][i] = true }
            }
            for k in 0..<count {
                for i in 0..<count {
                    for j in 0..<count where reaches[i][k] && reaches[k][j] {
                        reaches[i][j] = true
                    }
                }
            }
            var best: Int64 = 0
            for mask in 0..<(1 << count) {
                var ok = true
                var sum: Int64 = 0
                for i in 0..<count where mask & (1 << i) != 0 {
                    sum += weights["s\(i)"]!
                    for j in 0..<count where j != i && mask & (1 << j) != 0 && reaches[i][j] { ok = false }
                }
                if ok { best = max(best, sum) }
            }
            #expect(
                PeakConcurrency.peak(of: Self.steps(shape)) { weights[$0.name] ?? 0 } == best, "\(shape) \(weights)")
        }
    }

    @Test func aThousandStepDAGIsQuick() {
        let steps = (0..<1_000).map { i in
            PipelineStep(name: "s\(i)", commands: ["x"], dependsOn: i < 10 ? [] : ["s\(i - 10)"])
        }
        // Ten chains side by side.
        #expect(PeakConcurrency.peak(of: steps) { _ in 1 } == 10)
    }
}
