import C8SCommon

/// One request of the coordinator's log API: `GET /api/v1/namespaces/{ns}/pipelineruns/{run}/steps/{step}/log`
/// `?container=step&tail=N&follow=true&timestamps=true&format=ndjson`.
public struct LogQuery: Sendable, Hashable {
    public var namespace: String
    public var run: String
    public var step: String
    public var container: String
    /// Only the last N lines.
    public var tail: Int?
    /// Keep the response open and stream lines until the step's log is complete.
    public var follow: Bool
    public var timestamps: Bool

    public init(
        namespace: String, run: String, step: String, container: String = "step", tail: Int? = nil,
        follow: Bool = false, timestamps: Bool = false
    ) {
        self.namespace = namespace
        self.run = run
        self.step = step
        self.container = container
        self.tail = tail
        self.follow = follow
        self.timestamps = timestamps
    }

    /// The path and query, escaped.
    public var pathAndQuery: String {
        var path =
            "/api/v1/namespaces/\(PercentEncoding.encode(namespace))/pipelineruns/\(PercentEncoding.encode(run))/steps/"
            + "\(PercentEncoding.encode(step))/log?container=\(PercentEncoding.encode(container))"
        if let tail { path += "&tail=\(tail)" }
        if follow { path += "&follow=true" }
        if timestamps { path += "&timestamps=true" }
        return path + "&format=ndjson"
    }

}
