/// The parts of a pipeline that decide whether an event triggers it, and which steps run:
/// the pipeline's `branches` and each step's `dependsOn` and `when`.
public struct TriggerRules: Sendable, Hashable {
    /// A step's `when`: every non-empty list must match.
    public struct When: Sendable, Hashable {
        /// Branch globs, matched against the pushed branch or a pull request's target branch.
        public var branches: [String]
        /// Event names: `push`, `pull_request`.
        public var events: [String]
        /// Path globs matched against the changed files; `nil` means no path condition.
        public var paths: [String]?

        public init(branches: [String] = [], events: [String] = [], paths: [String]? = nil) {
            self.branches = branches
            self.events = events
            self.paths = paths
        }
    }

    public struct Step: Sendable, Hashable {
        public var name: String
        public var dependsOn: [String]
        public var when: When?

        public init(name: String, dependsOn: [String] = [], when: When? = nil) {
            self.name = name
            self.dependsOn = dependsOn
            self.when = when
        }
    }

    /// Pipeline branch globs; empty selects every branch.
    public var branches: [String]
    public var steps: [Step]

    public init(branches: [String] = [], steps: [Step]) {
        self.branches = branches
        self.steps = steps
    }
}
