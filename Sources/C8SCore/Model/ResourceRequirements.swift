/// Kubernetes resource requests and limits of a step container (`{requests: {cpu: "1"}, limits: {memory: 2Gi}}`).
public struct ResourceRequirements: Codable, Sendable, Hashable {
    /// Resource name (`cpu`, `memory`, …) to requested quantity.
    public var requests: [String: Quantity]
    /// Resource name to limit.
    public var limits: [String: Quantity]

    public init(requests: [String: Quantity] = [:], limits: [String: Quantity] = [:]) {
        self.requests = requests
        self.limits = limits
    }

    private enum CodingKeys: String, CodingKey {
        case requests, limits
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        requests = try container.decodeIfPresent([String: Quantity].self, forKey: .requests) ?? [:]
        limits = try container.decodeIfPresent([String: Quantity].self, forKey: .limits) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if !requests.isEmpty { try container.encode(requests, forKey: .requests) }
        if !limits.isEmpty { try container.encode(limits, forKey: .limits) }
    }
}
