import C8SLogs

/// How the REST API serves: the `api:` parameter of
/// ``buildCoordinator(configuration:client:logger:metrics:api:registry:httpClient:routes:onServerRunning:)``.
///
/// Keys:
/// - `enabled`: mount `/api/v1` (default true).
/// - `logStore`: where step logs are read (the coordinator's `--log-store`); nil: the log endpoint answers 503.
/// - `logPollInterval`: how often a follow looks at the store when no live line arrives (default 500 ms).
/// - `tokenCacheTTL`, `tokenCacheCapacity`: how long and how many positive TokenReview answers are kept
///   (default 10 s, 1024 tokens).
/// - `audiences`: the audiences TokenReviews ask for (nil: the API server's).
/// - `dashboard`: the web dashboard at `/` (``DashboardConfiguration``).
/// - `maximumSearchMatches`: the most matches one log search returns (default 10,000).
public struct CoordinatorAPIConfiguration: Sendable {
    public var enabled: Bool
    public var logStore: (any LogStore)?
    public var logPollInterval: Duration
    public var tokenCacheTTL: Duration
    public var tokenCacheCapacity: Int
    public var audiences: [String]?
    public var dashboard = DashboardConfiguration()
    public var maximumSearchMatches = 10_000

    public init(
        enabled: Bool = true, logStore: (any LogStore)? = nil, logPollInterval: Duration = .milliseconds(500),
        tokenCacheTTL: Duration = .seconds(10), tokenCacheCapacity: Int = 1024, audiences: [String]? = nil
    ) {
        self.enabled = enabled
        self.logStore = logStore
        self.logPollInterval = logPollInterval
        self.tokenCacheTTL = tokenCacheTTL
        self.tokenCacheCapacity = tokenCacheCapacity
        self.audiences = audiences
    }
}
