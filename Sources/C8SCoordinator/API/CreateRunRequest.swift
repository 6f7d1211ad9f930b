/// The body of `POST /api/v1/namespaces/{ns}/pipelineruns`: `{"config":"NAME","commit":"SHA?","branch":"B?"}`.
public struct CreateRunRequest: Codable, Sendable, Hashable {
    public var config: String
    public var commit: String?
    public var branch: String?

    public init(config: String, commit: String? = nil, branch: String? = nil) {
        self.config = config
        self.commit = commit
        self.branch = branch
    }
}
