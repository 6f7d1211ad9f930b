import C8SAPI
import C8SCore
import C8SKube
import C8SLogs
import Foundation
import Testing

/// The scenarios of a whole installation, each written once against ``Installation``: the simulated one for
/// `make test`, the cluster `C8S_E2E_KUBECONFIG` names for `make e2e`. Each scenario has its own installation (or,
/// on a cluster, its own namespace); they share one SeaweedFS server.
@Suite(.seaweedFS, .timeLimit(.minutes(10)))
struct Scenarios {}

/// A coordinator bug these scenarios found (C8SCoordinator, not this suite's to fix): a reconcile that deletes a step's
/// Job (cancel, run timeout, step timeout) and then loses its status write to a 409 — the agent patched `status.steps[].logs`
/// meanwhile — reads the step back as Running with no Job on the retry and marks it `Failed`/`JobDeleted` instead of
/// `Cancelled`/`RunTimeout`/`DeadlineExceeded`. Seen in about half of the suite's runs; the expectations stay, marked with this.
let coordinatorLostStatusRace: Comment = """
    coordinator: a step whose Job the coordinator deleted itself is marked JobDeleted when the status write that \
    recorded why lost a 409 race with the agent's log status write (RunDecision / PipelineRunReconciler.reconcileLeaf)
    """

/// Helpers over the histories the scenarios record.
enum History {
    /// The step a Job or Pod belongs to (label `c8s.dev/step`).
    static func step<R: KubeResource>(_ object: R) -> String? { object.metadata.labels?[C8SLabels.step] }

    /// Whether the Job has finished successfully.
    static func isComplete(_ job: Job) -> Bool {
        job.status?.conditions?.contains { $0.type == "Complete" && $0.status == "True" } ?? false
    }

    /// The UIDs of the Jobs ever created for each step.
    static func jobUIDsByStep(_ history: ObjectHistory<Job>) -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for job in history.versions {
            guard let step = step(job), let uid = job.metadata.uid else { continue }
            result[step, default: []].insert(uid)
        }
        return result
    }

    /// Whether a Pod of each of `steps` was in phase Running at the same moment, judged from the ordered stream of
    /// Pod versions.
    static func ranTogether(_ steps: Set<String>, pods history: ObjectHistory<Pod>) -> Bool {
        var running: [String: Bool] = [:]
        for pod in history.versions {
            guard let step = step(pod), steps.contains(step) else { continue }
            running[step] = pod.status?.phase == "Running" && pod.metadata.deletionTimestamp == nil
            if steps.allSatisfy({ running[$0] == true }) { return true }
        }
        return false
    }
}

/// The secret value and every encoding of it a leak could take (plain, base64 with and without padding).
struct SecretForms: Sendable {
    let value: String
    var forms: [String] {
        let base64 = Data(value.utf8).base64EncodedString()
        return [value, base64, base64.replacingOccurrences(of: "=", with: "")]
    }

    /// The forms found in `text`.
    func leaks(in text: String) -> [String] { forms.filter { text.contains($0) } }
}

/// Decompresses a zstd frame with the `zstd` command-line tool (the chunks must also read with it).
func zstdDecompress(_ bytes: [UInt8]) throws -> [UInt8] {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("c8s-zstd-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("chunk.zst")
    try Data(bytes).write(to: input)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["zstd", "-q", "-d", "-c", input.path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw IntegrationError("zstd -d failed (status \(process.terminationStatus)) on a stored chunk")
    }
    return Array(data)
}

/// Whether `bytes` start with the zstd frame magic number.
func isZstdFrame(_ bytes: [UInt8]) -> Bool { bytes.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) }
