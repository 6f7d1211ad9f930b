import C8SKube

/// The scheduler's decision for one Pod, computed from the nodes, what is already allocated on them and a
/// round-robin cursor. Pure: `ClusterSimulator` binds the Pod or reports it unschedulable.
struct PodScheduler: Sendable {
    /// What a Pod asks for.
    struct Request: Sendable, Hashable {
        var millicores: Int64 = 0
        var memoryBytes: Int64 = 0
        var nodeSelector: [String: String] = [:]

        /// The effective requests of a Pod spec like the real scheduler computes them: the sum over containers,
        /// or the largest init container when that is more.
        init(spec: PodSpec) {
            func sum(_ containers: [Container]) -> (Int64, Int64) {
                containers.reduce((0, 0)) { total, container in
                    let requests = container.resources?.requests ?? [:]
                    return (
                        total.0 + (requests["cpu"].flatMap(ResourceQuantity.millicores) ?? 0),
                        total.1 + (requests["memory"].flatMap(ResourceQuantity.bytes) ?? 0)
                    )
                }
            }
            let main = sum(spec.containers)
            let initMax = (spec.initContainers ?? []).map { sum([$0]) }
                .reduce((Int64(0), Int64(0))) { (max($0.0, $1.0), max($0.1, $1.1)) }
            millicores = max(main.0, initMax.0)
            memoryBytes = max(main.1, initMax.1)
            nodeSelector = spec.nodeSelector ?? [:]
        }

        init(millicores: Int64, memoryBytes: Int64, nodeSelector: [String: String] = [:]) {
            self.millicores = millicores
            self.memoryBytes = memoryBytes
            self.nodeSelector = nodeSelector
        }

        /// Adds another request's CPU and memory to this allocation.
        mutating func add(_ other: Request) {
            millicores += other.millicores
            memoryBytes += other.memoryBytes
        }

        /// Takes another request's CPU and memory off this allocation.
        mutating func subtract(_ other: Request) {
            millicores -= other.millicores
            memoryBytes -= other.memoryBytes
        }
    }

    enum Decision: Sendable, Hashable {
        case bind(String)
        case unschedulable(String)
    }

    var nodes: [SimulatedNode]

    /// Chooses a node for `request`: the first fitting node at or after `cursor` (round-robin), given what
    /// `allocated` already holds per node name.
    func schedule(_ request: Request, allocated: [String: Request], cursor: Int) -> Decision {
        guard !nodes.isEmpty else {
            return .unschedulable("0/0 nodes are available: no nodes available to schedule pods.")
        }
        var selectorMismatch = 0
        var insufficientCPU = 0
        var insufficientMemory = 0
        for offset in 0..<nodes.count {
            let node = nodes[(cursor + offset) % nodes.count]
            let labels = node.effectiveLabels
            guard request.nodeSelector.allSatisfy({ labels[$0.key] == $0.value }) else {
                selectorMismatch += 1
                continue
            }
            let used = allocated[node.name] ?? Request(millicores: 0, memoryBytes: 0)
            var fits = true
            if used.millicores + request.millicores > node.millicores {
                insufficientCPU += 1
                fits = false
            }
            if used.memoryBytes + request.memoryBytes > node.memoryBytes {
                insufficientMemory += 1
                fits = false
            }
            if fits { return .bind(node.name) }
        }
        var reasons: [String] = []
        if insufficientCPU > 0 { reasons.append("\(insufficientCPU) Insufficient cpu") }
        if insufficientMemory > 0 { reasons.append("\(insufficientMemory) Insufficient memory") }
        if selectorMismatch > 0 {
            reasons.append("\(selectorMismatch) node(s) didn't match Pod's node affinity/selector")
        }
        return .unschedulable(
            "0/\(nodes.count) nodes are available: \(reasons.joined(separator: ", ")). "
                + "preemption: 0/\(nodes.count) nodes are available: \(nodes.count) Preemption is not helpful "
                + "for scheduling.")
    }
}
