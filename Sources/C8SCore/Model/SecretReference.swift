/// A secret value exposed to a step as an environment variable.
///
/// In Kubernetes `name` and `key` name a `Secret` and one of its keys; in local mode the value comes from
/// `--secret NAME.KEY=VALUE`.
public struct SecretReference: Codable, Sendable, Hashable {
    /// Name of the secret.
    public var name: String
    /// Key inside the secret.
    public var key: String
    /// Environment variable the value is exposed as.
    public var env: String

    public init(name: String, key: String, env: String) {
        self.name = name
        self.key = key
        self.env = env
    }
}
