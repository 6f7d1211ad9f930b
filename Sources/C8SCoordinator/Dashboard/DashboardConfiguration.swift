/// How the dashboard at `/` is served: part of ``CoordinatorAPIConfiguration`` (`dashboard`).
///
/// Keys:
/// - `enabled`: serve the dashboard (default true; it needs the REST API enabled).
/// - `proxyUserHeader`, `proxyGroupsHeader`: trust an authenticating proxy in front of the coordinator (such as
///   oauth2-proxy): a request carrying `proxyUserHeader` acts as that user, in the comma-separated groups of
///   `proxyGroupsHeader`, without a token review; access is still checked with SubjectAccessReviews. Default nil:
///   off. Only enable it when the coordinator's port is reachable through the proxy alone.
/// - `secureCookies`: mark the session cookie `Secure` (default false; set it when the dashboard is served over
///   HTTPS, as it should be outside a laptop).
/// - `csrfSecret`: the key of CSRF tokens; replicas behind one Service need the same one (default nil: a random
///   key per process).
/// - `sessionMaxAge`: how long the session cookie lives (default 8 hours).
/// - `maximumStreams`: Server-Sent-Event streams of run changes open at once (default 1024).
public struct DashboardConfiguration: Sendable {
    public var enabled: Bool
    public var proxyUserHeader: String?
    public var proxyGroupsHeader: String?
    public var secureCookies: Bool
    public var csrfSecret: [UInt8]?
    public var sessionMaxAge: Duration
    public var maximumStreams: Int

    public init(
        enabled: Bool = true, proxyUserHeader: String? = nil, proxyGroupsHeader: String? = nil,
        secureCookies: Bool = false, csrfSecret: [UInt8]? = nil, sessionMaxAge: Duration = .seconds(8 * 3600),
        maximumStreams: Int = 1024
    ) {
        self.enabled = enabled
        self.proxyUserHeader = proxyUserHeader
        self.proxyGroupsHeader = proxyGroupsHeader
        self.secureCookies = secureCookies
        self.csrfSecret = csrfSecret
        self.sessionMaxAge = sessionMaxAge
        self.maximumStreams = maximumStreams
    }
}
