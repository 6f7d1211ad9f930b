import C8SKube

extension PipelineRun {
    /// The longest Job name that still leaves room for the Pod name suffix the Job controller adds.
    public static let maximumJobNameLength = 52

    /// The deterministic name of the Job of a step: `<run>-<step>`, or, when that is longer than
    /// `maximumJobNameLength`, its prefix followed by `-` and 10 hex digits of a hash of the full name, so a restarted
    /// coordinator finds the Job it created before instead of creating another.
    public static func jobName(run: String, step: String) -> String {
        let full = "\(run)-\(step)"
        guard full.count > maximumJobNameLength else { return full }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a 64
        for byte in full.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let digest = String(String(hash, radix: 16).suffix(10))
        let padded = String(repeating: "0", count: 10 - digest.count) + digest
        var prefix = String(full.prefix(maximumJobNameLength - 11))
        while prefix.hasSuffix("-") || prefix.hasSuffix(".") { prefix.removeLast() }
        return "\(prefix)-\(padded)"
    }

    /// The name of the Job of one of this run's steps.
    public func jobName(step: String) -> String {
        Self.jobName(run: metadata.name ?? "", step: step)
    }

    /// The labels of the Jobs and Pods of one of this run's steps.
    public func stepLabels(step: String) -> [String: String] {
        [
            C8SLabels.pipelineRun: metadata.name ?? "",
            C8SLabels.step: step,
            C8SLabels.pipelineConfig: spec.pipelineConfigRef.name,
        ]
    }
}
