/// A forge webhook normalized into what c8s needs to decide whether, and what, to run.
public struct ForgeEvent: Sendable, Hashable {
    /// What happened.
    public enum Kind: Sendable, Hashable {
        /// Commits pushed to a branch.
        case push
        /// A pull (merge) request changed.
        case pullRequest(PullRequestAction)
        /// The forge checks the webhook (GitHub `ping`, Bitbucket DC `diagnostics:ping`).
        case ping
        /// A tag was pushed: acknowledged, never triggers.
        case tagPush
        /// A branch was deleted: acknowledged, never triggers.
        case branchDeletion
        /// Anything else: acknowledged with the reason, never triggers.
        case ignored(reason: String)
    }

    /// A pull-request action, normalized across forges.
    public enum PullRequestAction: String, Sendable, Hashable {
        case opened
        /// New commits on the head branch (GitHub `synchronize`, GitLab `update` with `oldrev`,
        /// Gitea `synchronized`, Bitbucket `pullrequest:updated` / `pr:from_ref_updated`).
        case synchronize
        case reopened
        case closed
        case merged
        /// Any other change (title, labels, reviewers…).
        case other
    }

    /// The pull request an event concerns.
    public struct PullRequest: Sendable, Hashable {
        public var number: Int
        public var url: String?
        public var title: String?
        /// Clone URL of the head repository (differs from `ForgeEvent.repository` for forks).
        public var headCloneURL: String?

        public init(number: Int, url: String? = nil, title: String? = nil, headCloneURL: String? = nil) {
            self.number = number
            self.url = url
            self.title = title
            self.headCloneURL = headCloneURL
        }
    }

    public var provider: ForgeProvider
    public var kind: Kind
    /// The repository the webhook was configured on (the base repository for pull requests);
    /// `nil` only for pings and ignored events whose payload names none.
    public var repository: RepositoryReference?
    /// Commit to build: the pushed head, or the pull request's head commit.
    public var commitSHA: String?
    /// The pushed branch, or the pull request's head (source) branch.
    public var branch: String?
    /// The pull request's target (base) branch.
    public var targetBranch: String?
    /// The pushed tag for `tagPush`.
    public var tag: String?
    /// Files changed by the push when the payload lists them; `nil` when it does not (pull requests,
    /// truncated commit lists, Bitbucket), in which case `when.paths` conditions pass.
    public var changedPaths: [String]?
    /// Login (or name) of whoever caused the event.
    public var sender: String?
    /// The forge's delivery id (or a digest of the body when the forge sent none); runs are keyed by it.
    public var deliveryID: String
    public var pullRequest: PullRequest?

    public init(
        provider: ForgeProvider, kind: Kind, repository: RepositoryReference?, commitSHA: String? = nil,
        branch: String? = nil, targetBranch: String? = nil, tag: String? = nil, changedPaths: [String]? = nil,
        sender: String? = nil, deliveryID: String, pullRequest: PullRequest? = nil
    ) {
        self.provider = provider
        self.kind = kind
        self.repository = repository
        self.commitSHA = commitSHA
        self.branch = branch
        self.targetBranch = targetBranch
        self.tag = tag
        self.changedPaths = changedPaths
        self.sender = sender
        self.deliveryID = deliveryID
        self.pullRequest = pullRequest
    }

    /// Whether the event starts runs: pushes, and pull requests opened, synchronized or reopened.
    public var triggers: Bool {
        switch kind {
        case .push: true
        case .pullRequest(let action): [.opened, .synchronize, .reopened].contains(action)
        default: false
        }
    }

    /// The event name `when.events` matches: `push` or `pull_request` (`tag`, `ping` and
    /// `ignored` for the others).
    public var eventName: String {
        switch kind {
        case .push, .branchDeletion: "push"
        case .pullRequest: "pull_request"
        case .tagPush: "tag"
        case .ping: "ping"
        case .ignored: "ignored"
        }
    }

    /// The branch pipeline and step `branches` filters match: the pushed branch, or a pull request's
    /// target branch (as GitHub Actions' `on.pull_request.branches` and Woodpecker do).
    public var filterBranch: String? {
        if case .pullRequest = kind { return targetBranch }
        return branch
    }
}
