/// One node of the simulated cluster: its name (also its `kubernetes.io/hostname` label), labels and capacity.
public struct SimulatedNode: Sendable, Hashable {
    /// The node name Pods are bound to.
    public var name: String
    /// Node labels; `kubernetes.io/hostname` is always set to `name`.
    public var labels: [String: String]
    /// Allocatable CPU as a quantity (`"4"`, `"500m"`).
    public var cpu: String
    /// Allocatable memory as a quantity (`"8Gi"`).
    public var memory: String

    public init(name: String, labels: [String: String] = [:], cpu: String = "8", memory: String = "16Gi") {
        self.name = name
        self.labels = labels
        self.cpu = cpu
        self.memory = memory
    }

    /// The labels including `kubernetes.io/hostname`.
    public var effectiveLabels: [String: String] {
        var labels = labels
        labels["kubernetes.io/hostname"] = name
        return labels
    }

    var millicores: Int64 { ResourceQuantity.millicores(cpu) ?? 0 }
    var memoryBytes: Int64 { ResourceQuantity.bytes(memory) ?? 0 }
}
