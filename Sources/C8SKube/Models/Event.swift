/// core/v1 Event: what `kubectl describe` shows under an object.
public struct Event: KubeResource, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "Event"
    public static let plural = "events"
    public static let namespaced = true

    /// core/v1 ObjectReference.
    public struct ObjectReference: Codable, Sendable, Hashable {
        public var apiVersion: String?
        public var kind: String?
        public var name: String?
        public var namespace: String?
        public var uid: String?
        public var resourceVersion: String?

        public init<R: KubeResource>(_ object: R) {
            apiVersion = R.apiVersion
            kind = R.kind
            name = object.metadata.name
            namespace = object.metadata.namespace
            uid = object.metadata.uid
        }
    }

    /// core/v1 EventSource.
    public struct Source: Codable, Sendable, Hashable {
        public var component: String?
        public var host: String?
        public init(component: String? = nil, host: String? = nil) {
            self.component = component
            self.host = host
        }
    }

    public var metadata: ObjectMeta
    public var involvedObject: ObjectReference
    public var reason: String?
    public var message: String?
    /// `Normal` or `Warning`.
    public var type: String?
    public var source: Source?
    public var count: Int32?
    public var firstTimestamp: KubeTime?
    public var lastTimestamp: KubeTime?
    public var eventTime: MicroTime?
    public var reportingComponent: String?
    public var reportingInstance: String?
    public var action: String?
    public var unknownFields = UnknownFields()

    /// An event about `object`, named like kubectl's (`<object>.<unique suffix>`).
    public init<R: KubeResource>(
        about object: R, type: String = "Normal", reason: String, message: String, component: String,
        now: KubeTime = .now()
    ) {
        let suffix = String(UInt64(now.date.timeIntervalSince1970 * 1_000_000_000), radix: 16)
        metadata = ObjectMeta(
            name: "\(object.metadata.name ?? "object").\(suffix)", namespace: object.metadata.namespace)
        involvedObject = ObjectReference(object)
        self.reason = reason
        self.message = message
        self.type = type
        source = Source(component: component)
        count = 1
        firstTimestamp = now
        lastTimestamp = now
        reportingComponent = component
    }
}
