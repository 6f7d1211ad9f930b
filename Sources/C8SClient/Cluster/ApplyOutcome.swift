/// What `c8s apply` did.
public enum ApplyOutcome: String, Sendable, Hashable {
    case created, configured, unchanged
}
