/// What `c8s run CONFIG` starts.
public struct RunSubmission: Sendable, Hashable {
    public var config: String
    public var commit: String?
    public var branch: String?

    public init(config: String, commit: String? = nil, branch: String? = nil) {
        self.config = config
        self.commit = commit.flatMap { $0.isEmpty ? nil : $0 }
        self.branch = branch.flatMap { $0.isEmpty ? nil : $0 }
    }
}
