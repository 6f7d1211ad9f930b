import C8SKube

/// admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration, with the fields the coordinator keeps up to
/// date (each webhook's `clientConfig.caBundle`); every other field survives an update.
public struct ValidatingWebhookConfiguration: KubeResource, Hashable {
    public static let apiVersion = "admissionregistration.k8s.io/v1"
    public static let kind = "ValidatingWebhookConfiguration"
    public static let plural = "validatingwebhookconfigurations"
    public static let namespaced = false

    /// One webhook (array elements merge with the server's by `name`).
    public struct Webhook: Codable, Sendable, Hashable {
        public var name: String
        public var clientConfig: ClientConfig

        public init(name: String, clientConfig: ClientConfig) {
            self.name = name
            self.clientConfig = clientConfig
        }
    }

    /// Where kube-apiserver sends the AdmissionReview, and the CA it verifies the server with.
    public struct ClientConfig: Codable, Sendable, Hashable {
        /// The base64 of the PEM bundle.
        public var caBundle: String?
        public var service: ServiceReference?
        public var url: String?

        public init(caBundle: String? = nil, service: ServiceReference? = nil, url: String? = nil) {
            self.caBundle = caBundle
            self.service = service
            self.url = url
        }
    }

    /// A Service in the cluster.
    public struct ServiceReference: Codable, Sendable, Hashable {
        public var namespace: String
        public var name: String
        public var path: String?
        public var port: Int?

        public init(namespace: String, name: String, path: String? = nil, port: Int? = nil) {
            self.namespace = namespace
            self.name = name
            self.path = path
            self.port = port
        }
    }

    public var metadata: ObjectMeta
    public var webhooks: [Webhook]?
    public var unknownFields = UnknownFields()

    public init(metadata: ObjectMeta, webhooks: [Webhook]? = nil) {
        self.metadata = metadata
        self.webhooks = webhooks
    }
}
