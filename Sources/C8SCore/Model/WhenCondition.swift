/// Condition under which a step runs: every given list must match (an empty or absent list matches anything).
public struct WhenCondition: Codable, Sendable, Hashable {
    /// Branch glob patterns (`main`, `release/*`).
    public var branches: [String]
    /// Trigger events (`push`, `pull_request`, `tag`, `manual`, …).
    public var events: [String]
    /// Path glob patterns; the step runs when any changed file matches one. `nil` means no path condition.
    public var paths: [String]?

    public init(branches: [String] = [], events: [String] = [], paths: [String]? = nil) {
        self.branches = branches
        self.events = events
        self.paths = paths
    }

    private enum CodingKeys: String, CodingKey {
        case branches, events, paths
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        branches = try container.decodeIfPresent([String].self, forKey: .branches) ?? []
        events = try container.decodeIfPresent([String].self, forKey: .events) ?? []
        paths = try container.decodeIfPresent([String].self, forKey: .paths)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if !branches.isEmpty { try container.encode(branches, forKey: .branches) }
        if !events.isEmpty { try container.encode(events, forKey: .events) }
        try container.encodeIfPresent(paths, forKey: .paths)
    }
}
