import C8SCore
import C8SLocal
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Local mode's run loop at growing sizes: a whole `LocalRunner` run of N trivial independent steps (`true`), in
/// process, from start to the last step's log stored, its terminal output sent to /dev/null. Each size is compared
/// with the 1 000-step run: a linear loop shows a growth near 10× at 10 000 steps, a quadratic one near 100×.
/// (10 000 steps exceed the pipeline file's step limit, so the spec is built in memory, as the parser would.)
/// "last start" is when the last step started, from the run's start (its record's times): the start-up of the
/// steps, apart from the log shipping that ends the run.
enum LocalBench {
    static let sizes = [1_000, 10_000]

    /// Runs one row per size in `sizes` (`c8s-bench --local-only --local-steps 1000,2000,4000`), each compared
    /// with the first.
    static func run(sizes: [Int] = sizes) async {
        print("")
        print("local mode: whole run of N trivial steps (--parallel \(LocalRunConfiguration.defaultParallelism))")
        print("steps      seconds   steps/s   growth   last start")
        var baseline: Double?
        for count in sizes {
            guard let (seconds, lastStart) = await measure(count) else { return }
            let growth = baseline.map { seconds / $0 } ?? 1
            if baseline == nil { baseline = seconds }
            print(
                String(
                    format: "%-9d %8.2f %9.0f %7.1fx %10.2fs", count, seconds, Double(count) / seconds, growth,
                    lastStart))
        }
    }

    /// Seconds for one run of `count` steps and when its last step started (seconds after the run's start), or nil
    /// (with a message) when the run did not succeed.
    static func measure(_ count: Int) async -> (seconds: Double, lastStart: Double)? {
        let directory = NSTemporaryDirectory() + "c8s-local-bench-\(getpid())-\(count)"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spec = PipelineSpec(steps: (0..<count).map { PipelineStep(name: "step-\($0)", commands: ["true"]) })
        let configuration = LocalRunConfiguration(directory: directory, color: false)
        let runner = LocalRunner(spec: spec, configuration: configuration)
        fflush(nil)  // what was printed so far goes to the real standard output
        let saved = dup(1)
        let null = open("/dev/null", O_WRONLY)
        dup2(null, 1)
        close(null)
        let start = Date()
        let result = try? await runner.run()
        let seconds = Date().timeIntervalSince(start)
        dup2(saved, 1)
        close(saved)
        guard let result, result.phase == .succeeded else {
            print("\(count) steps: the run did not succeed (\(result?.phase.rawValue ?? "error"))")
            return nil
        }
        let lastStart = result.steps.compactMap(\.startTime).max()?.timeIntervalSince(result.startTime) ?? 0
        return (seconds, lastStart)
    }
}
