import AsyncHTTPClient

/// How the reconciler reports run status to forges (``PipelineRunReconciler`` with
/// ``ReconcilerConfiguration/commitStatus`` set).
///
/// Keys:
/// - `externalURL`: the coordinator's or dashboard's external base URL; a status links to
///   `<externalURL>/runs/<namespace>/<run>` (nil: no link; Bitbucket then links the repository).
/// - `retryPolicy`: attempts, backoff and per-request timeout of one report (default 4 attempts, 0.5 s doubling
///   to 8 s, 10 s each): the bound on how long one report can take.
/// - `workers`: reports sent at once (default 2), apart from the reconcile workers so a slow forge never delays a run.
/// - `httpClient`: the client the reports go through (default `HTTPClient.shared`).
public struct CommitStatusConfiguration: Sendable {
    public var externalURL: String?
    public var retryPolicy: CommitStatusReporter.RetryPolicy
    public var workers: Int
    public var httpClient: HTTPClient

    public init(
        externalURL: String? = nil, retryPolicy: CommitStatusReporter.RetryPolicy = .init(), workers: Int = 2,
        httpClient: HTTPClient = .shared
    ) {
        self.externalURL = externalURL
        self.retryPolicy = retryPolicy
        self.workers = max(1, workers)
        self.httpClient = httpClient
    }

    /// `<externalURL>/runs/<namespace>/<run>`, or nil without an external URL.
    public func runURL(namespace: String, run: String) -> String? {
        guard var base = externalURL, !base.isEmpty else { return nil }
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/runs/\(namespace)/\(run)"
    }
}
