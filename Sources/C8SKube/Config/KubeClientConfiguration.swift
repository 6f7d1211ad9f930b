import Foundation

/// Where the API server is and how to authenticate to it.
///
/// Keys:
/// - `server`: the API server's base URL (`https://10.0.0.1:6443`); a path prefix is kept.
/// - `certificateAuthorityPEM`: PEM certificates trusted for the server (nil: the system's roots).
/// - `clientCertificatePEM` / `clientKeyPEM`: a client certificate chain and its key (mutual TLS).
/// - `insecureSkipTLSVerify`: do not verify the server's certificate (test clusters only).
/// - `tlsServerName`: the kubeconfig's `tls-server-name`; read, but not applied yet (verification uses the
///   URL's host).
/// - `credentials`: a bearer token, a token file re-read when it rotates, basic auth, or none.
/// - `namespace`: the default namespace for namespaced requests that name none (default `default`).
/// - `requestTimeout`: the deadline for a non-watch request to receive its response head (default 30 s).
/// - `connectTimeout`: how long to keep trying to establish a connection (TCP and TLS; default 10 s).
/// - `maxRetriesOnTooManyRequests`: how often a 429 response is retried after its Retry-After (default 5).
/// - `userAgent`: the User-Agent header.
public struct KubeClientConfiguration: Sendable {
    /// How requests authenticate.
    public enum Credentials: Sendable, Equatable {
        /// No Authorization header (client certificates may still authenticate).
        case none
        /// A fixed bearer token.
        case token(String)
        /// A bearer token read from a file and re-read when the file changes (projected service-account tokens).
        case tokenFile(String)
        /// HTTP basic authentication.
        case basic(username: String, password: String)
    }

    public var server: String
    public var certificateAuthorityPEM: [UInt8]?
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    public var insecureSkipTLSVerify: Bool
    public var tlsServerName: String?
    public var credentials: Credentials
    public var namespace: String
    public var requestTimeout: Duration
    public var connectTimeout: Duration
    public var maxRetriesOnTooManyRequests: Int
    public var userAgent: String

    public init(
        server: String,
        certificateAuthorityPEM: [UInt8]? = nil,
        clientCertificatePEM: [UInt8]? = nil,
        clientKeyPEM: [UInt8]? = nil,
        insecureSkipTLSVerify: Bool = false,
        tlsServerName: String? = nil,
        credentials: Credentials = .none,
        namespace: String = "default",
        requestTimeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10),
        maxRetriesOnTooManyRequests: Int = 5,
        userAgent: String = "c8s"
    ) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.tlsServerName = tlsServerName
        self.credentials = credentials
        self.namespace = namespace
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.maxRetriesOnTooManyRequests = maxRetriesOnTooManyRequests
        self.userAgent = userAgent
    }
}

extension KubeClientConfiguration {
    /// The standard service-account directory of a Pod.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The configuration of a process running in a Pod: `KUBERNETES_SERVICE_HOST`/`_PORT`, and the service
    /// account's `token` (re-read when the kubelet rotates it), `ca.crt` and `namespace` files.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = Self.serviceAccountDirectory
    ) throws -> KubeClientConfiguration {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubeConfigError(
                "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set")
        }
        let tokenPath = serviceAccountDirectory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubeConfigError("in-cluster configuration: cannot read the service-account token \(tokenPath)")
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let caPath = serviceAccountDirectory + "/ca.crt"
        let ca = FileManager.default.contents(atPath: caPath).map { Array($0) }
        let namespace = FileManager.default.contents(atPath: serviceAccountDirectory + "/namespace")
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        return KubeClientConfiguration(
            server: "https://\(hostPart):\(port)",
            certificateAuthorityPEM: ca,
            credentials: .tokenFile(tokenPath),
            namespace: namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default")
    }

    /// The configuration a tool would use: the kubeconfig files named by `KUBECONFIG` (or `~/.kube/config`) when
    /// one exists, else the in-cluster configuration.
    public static func load(
        context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> KubeClientConfiguration {
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            let paths = list.split(separator: ":").map(String.init)
            return try KubeConfig.load(paths: paths).clientConfiguration(context: context)
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let path = home + "/.kube/config"
        if FileManager.default.fileExists(atPath: path) {
            return try KubeConfig.load(paths: [path]).clientConfiguration(context: context)
        }
        return try inCluster(environment: environment)
    }
}

/// A configuration that cannot be used, with a message naming the file and the field.
public struct KubeConfigError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
