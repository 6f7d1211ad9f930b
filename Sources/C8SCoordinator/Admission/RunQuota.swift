import C8SCore
import C8SKube

/// Whether a run fits the namespace's ResourceQuotas: its peak concurrent requests (``PeakConcurrency`` over its
/// DAG, every matrix combination running at once, each step Pod counting the larger of its step container and
/// the clone init container, as Kubernetes counts init containers) plus what each quota has used, against its
/// hard limit, for `requests.cpu` (or `cpu`), `requests.memory` (or `memory`) and `pods`.
enum RunQuota {
    /// What the clone init container requests (nothing unless the cluster's LimitRange adds defaults).
    static let cloneRequests: [String: Double] = [:]

    /// The first quota the run would exceed, as `Would exceed CPU quota: 120/100 cores requested`, or nil.
    static func refusal(spec: PipelineSpec, quotas: [ResourceQuota]) -> String? {
        let combinations = Int64(max(1, (try? MatrixExpansion.boundedCombinations(of: spec.matrix).count) ?? 1))
        func request(_ step: PipelineStep, _ resource: String) -> Double {
            let own = step.resources?.requests[resource]?.value ?? 0
            return spec.repository == nil ? own : max(own, cloneRequests[resource] ?? 0)
        }
        let cpuMillis =
            PeakConcurrency.peak(of: spec.steps) { Int64((request($0, "cpu") * 1000).rounded(.up)) }
            * combinations
        let memory = PeakConcurrency.peak(of: spec.steps) { Int64(request($0, "memory").rounded(.up)) } * combinations
        let pods = PeakConcurrency.peak(of: spec.steps) { _ in 1 } * combinations
        for quota in quotas {
            let hard = quota.status?.hard ?? quota.spec?.hard ?? [:]
            let used = quota.status?.used ?? [:]
            func check(
                _ names: [String], _ peak: Double, _ label: String, _ unit: String, _ format: (Double) -> String
            ) -> String? {
                guard let name = names.first(where: { hard[$0] != nil }),
                    let limit = hard[name].flatMap(Quantity.init(parsing:))?.value
                else { return nil }
                let already = used[name].flatMap(Quantity.init(parsing:))?.value ?? 0
                guard already + peak > limit else { return nil }
                return "Would exceed \(label) quota: \(format(already + peak))/\(format(limit))\(unit) requested "
                    + "(ResourceQuota \(quota.metadata.name ?? ""): \(format(already)) used, the run needs "
                    + "\(format(peak)) at its peak)"
            }
            if let refusal = check(["requests.cpu", "cpu"], Double(cpuMillis) / 1000, "CPU", " cores", Self.cores) {
                return refusal
            }
            if let refusal = check(["requests.memory", "memory"], Double(memory), "memory", "", Self.bytes) {
                return refusal
            }
            if let refusal = check(["pods", "count/pods"], Double(pods), "pods", " pods", { "\(Int64($0))" }) {
                return refusal
            }
        }
        return nil
    }

    /// `120`, `1.5` (cores).
    static func cores(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? "\(Int64(rounded))" : "\(rounded)"
    }

    /// `3Gi`, `512Mi`, or a number of bytes.
    static func bytes(_ value: Double) -> String {
        for (unit, size) in [("Ti", 1099511627776.0), ("Gi", 1073741824.0), ("Mi", 1048576.0), ("Ki", 1024.0)]
        where value >= size && (value / size).rounded() == value / size {
            return "\(Int64(value / size))\(unit)"
        }
        return "\(Int64(value))"
    }
}
