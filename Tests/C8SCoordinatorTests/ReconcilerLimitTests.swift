import C8SAPI
import C8SCore
import C8SKube
import Foundation
import Testing

/// Defence in depth: a config stored without admission (or before a bound was lowered) never makes the
/// reconciler expand or hold unbounded data.
@Suite struct ReconcilerLimitTests {
    /// The resident set size of this process, in bytes (`VmRSS` of /proc/self/status).
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let digits = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return digits * 1024
        }
        return 0
    }

    static func axes(_ count: Int, values: Int) -> [String: [String]] {
        Dictionary(uniqueKeysWithValues: (0..<count).map { ("a\($0)", (0..<values).map { "v\($0)" }) })
    }

    @Test func aHugeMatrixStoredDirectlyFailsTheRunAtOnceAndTheReconcilerKeepsServing() async throws {
        try await ReconcilerHarness.with { h in
            // The CRD schema alone refuses 3^20 (at most 16 axes)…
            await #expect(throws: KubeError.self) {
                try await h.createConfig(
                    "three-to-the-twenty",
                    PipelineSpec(matrix: MatrixSpec(axes: Self.axes(20, values: 3)), steps: [step("a")]))
            }
            // …but 4^16 (4 294 967 296 combinations, more than 3^20) fits it, as would any config stored before
            // the bounds existed.
            try await h.createConfig(
                "huge",
                PipelineSpec(
                    matrix: MatrixSpec(axes: Self.axes(16, values: 4)),
                    steps: [step("a", image: "alpine:${{ matrix.a0 }}")]))
            try await h.createConfig("small", PipelineSpec(steps: [step("a")]))
            let before = Self.residentBytes()
            try await h.withReconciler {
                try await h.createRun("huge-1", config: "huge")
                let failed = try await h.waitForRun("huge-1", .failed)
                let condition = failed.status?.conditions?.first { $0.type == "Succeeded" }
                #expect(condition?.status == "False")
                #expect(condition?.reason == "LimitExceeded")
                #expect(
                    failed.status?.message?.contains(
                        "matrix: the axes make 4294967296 combinations before exclude; the limit is 4096 "
                            + "(maxMatrixProduct)") == true)
                #expect((failed.status?.message?.utf8.count ?? 0) <= 4096)
                #expect(failed.status?.resolvedSpec == nil)
                let events = try await h.eventually("a LimitExceeded event") {
                    let events = try await h.client.list(
                        C8SKube.Event.self, namespace: "default",
                        options: ListOptions(fieldSelector: "involvedObject.name=huge-1")
                    ).items
                    return events.contains { $0.reason == "LimitExceeded" && $0.type == "Warning" } ? events : nil
                }
                #expect(events.contains { $0.message?.contains("maxMatrixProduct") == true })
                let children = try await h.client.list(
                    PipelineRun.self, namespace: "default",
                    options: ListOptions(labelSelector: "\(C8SLabels.matrixParent)=huge-1")
                ).items
                #expect(children.isEmpty)

                // The reconciler keeps serving.
                try await h.createRun("small-1", config: "small")
                _ = try await h.waitForJob(run: "small-1", step: "a")
            }
            let growth = Self.residentBytes() - before
            print("reconciler limit test: RSS before \(before / 1_048_576) MiB, growth \(growth / 1_048_576) MiB")
            #expect(growth < 64 * 1_048_576, "RSS grew by \(growth) bytes")
        }
    }
}
