/// One kind of request the test API server counts: who sent it (the User-Agent), the method and the resource.
public struct APIRequestTally: Sendable, Hashable, CustomStringConvertible {
    public var userAgent: String
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`.
    public var method: String
    /// The resource plural, with its subresource: `jobs`, `pipelineruns/status`.
    public var resource: String
    /// A watch (a GET with `watch=true`).
    public var watch: Bool

    public init(userAgent: String, method: String, resource: String, watch: Bool = false) {
        self.userAgent = userAgent
        self.method = method
        self.resource = resource
        self.watch = watch
    }

    public var description: String { "\(userAgent) \(watch ? "WATCH" : method) \(resource)" }
}
