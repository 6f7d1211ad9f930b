import C8STestSupport
import Foundation
import Testing

@testable import C8SCore

/// Mutation fuzzing of the pipeline parser and validator over `Fuzz/corpus/pipeline` (see Fuzz/README.md):
/// no input may crash them, every refusal is a located ``PipelineErrors``, and under `make fuzz`
/// (`C8S_FUZZ_SCALE` set) no input may take more than a second.
@Suite struct PipelineFuzzTests {
    static let corpus = URL(fileURLWithPath: repositoryRoot).appendingPathComponent("Fuzz/corpus/pipeline")

    static let tokens = [
        "[", "]", "{", "}", ",", ":", "- ", "\n", "\n  ", "\n    ", "\"", "'", "&a ", "*a", "<<: *a", "!!str ",
        "${{ matrix.go }}", "${{", "}}", "~", "null", "0x1F", "1e999", "---\n", "...\n", "? ", "|\n  ", ">-\n  ",
        "\t", "\u{0}", "\u{FEFF}", "ü", "steps:", "matrix:", "dependsOn: [", "name: ", "commands: [x]",
    ]

    struct Mutator {
        var generator: SeededGenerator

        mutating func int(_ bound: Int) -> Int { Int(generator.next() % UInt64(max(bound, 1))) }

        mutating func mutate(_ input: [UInt8]) -> [UInt8] {
            var bytes = input
            for _ in 0...int(3) {
                switch int(7) {
                case 0 where !bytes.isEmpty:
                    bytes[int(bytes.count)] ^= UInt8(1 << int(8))
                case 1:
                    bytes = Array(bytes.prefix(int(bytes.count + 1)))
                case 2, 3:
                    let token = Array(PipelineFuzzTests.tokens[int(PipelineFuzzTests.tokens.count)].utf8)
                    bytes.insert(contentsOf: token, at: int(bytes.count + 1))
                case 4 where !bytes.isEmpty:
                    let start = int(bytes.count)
                    let end = min(bytes.count, start + int(64))
                    bytes.removeSubrange(start..<end)
                case 5 where !bytes.isEmpty:
                    // Repeat a range many times: deep nesting, long lists, huge scalars.
                    let start = int(bytes.count)
                    let end = min(bytes.count, start + 1 + int(16))
                    let piece = Array(bytes[start..<end])
                    let times = 1 + int(4_000)
                    bytes.insert(contentsOf: (0..<times).flatMap { _ in piece }, at: end)
                default:
                    let opens = 1 + int(200)
                    let open = int(2) == 0 ? "[" : "{a: "
                    let close = open == "[" ? "]" : "}"
                    bytes.insert(
                        contentsOf: Array(
                            (String(repeating: open, count: opens) + String(repeating: close, count: opens)).utf8),
                        at: int(bytes.count + 1))
                }
            }
            return bytes
        }
    }

    static var scale: Int { Int(ProcessInfo.processInfo.environment["C8S_FUZZ_SCALE"] ?? "") ?? 1 }
    static var seed: UInt64 { UInt64(ProcessInfo.processInfo.environment["C8S_FUZZ_SEED"] ?? "") ?? 0xC8_F022 }

    @Test func mutatedPipelinesNeverCrashAndAreRefusedWithLocatedErrors() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).sorted()
        let seeds = try files.map { [UInt8](try Data(contentsOf: Self.corpus.appendingPathComponent($0))) }
        #expect(seeds.count >= 5)
        for seed in seeds { #expect((try? PipelineParser.load(seed, file: "seed.yaml")) != nil) }
        var mutator = Mutator(generator: SeededGenerator(seed: Self.seed))
        var outcomes = (accepted: 0, refused: 0)
        var slowest = (seconds: 0.0, input: [UInt8]())
        for _ in 0..<(500 * Self.scale) {
            let input = mutator.mutate(seeds[mutator.int(seeds.count)])
            let start = ContinuousClock.now
            do {
                _ = try PipelineParser.load(input, file: "fuzz.yaml")
                outcomes.accepted += 1
            } catch {
                outcomes.refused += 1
                #expect(!error.errors.isEmpty)
                #expect(error.errors.count <= PipelineLimits.standard.maxReportedErrors + 1)
                #expect(error.errors.allSatisfy { $0.description.hasPrefix("fuzz.yaml") })
            }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if seconds > slowest.seconds { slowest = (seconds, input) }
        }
        #expect(outcomes.accepted > 0)
        #expect(outcomes.refused > 0)
        if Self.scale > 1 {
            print("pipeline fuzz: seed \(Self.seed), \(outcomes), slowest \(slowest.seconds) s")
            #expect(
                slowest.seconds < 1, "input taking \(slowest.seconds) s: \(Data(slowest.input).base64EncodedString())")
        }
    }
}
