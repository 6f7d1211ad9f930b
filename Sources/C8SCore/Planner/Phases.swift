/// Where a step is in its life. `Succeeded`, `Failed`, `Skipped` and `Cancelled` are final.
public enum StepPhase: String, Sendable, Hashable, Codable, CaseIterable {
    case pending = "Pending"
    case running = "Running"
    case succeeded = "Succeeded"
    case failed = "Failed"
    case skipped = "Skipped"
    case cancelled = "Cancelled"

    /// Whether the phase is final.
    public var isTerminal: Bool {
        switch self {
        case .pending, .running: false
        case .succeeded, .failed, .skipped, .cancelled: true
        }
    }
}

/// Where a run is in its life. `Succeeded`, `Failed` and `Cancelled` are final.
public enum RunPhase: String, Sendable, Hashable, Codable, CaseIterable {
    case pending = "Pending"
    case running = "Running"
    case succeeded = "Succeeded"
    case failed = "Failed"
    case cancelled = "Cancelled"

    /// Whether the phase is final.
    public var isTerminal: Bool {
        switch self {
        case .pending, .running: false
        case .succeeded, .failed, .cancelled: true
        }
    }
}
