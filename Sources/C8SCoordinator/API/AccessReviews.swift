import C8SKube

/// authentication.k8s.io/v1 TokenReview: asks the API server who a bearer token belongs to.
public struct TokenReview: KubeResource, Hashable {
    public static let apiVersion = "authentication.k8s.io/v1"
    public static let kind = "TokenReview"
    public static let plural = "tokenreviews"
    public static let namespaced = false

    public struct Spec: Codable, Sendable, Hashable {
        public var token: String
        public var audiences: [String]?
        public init(token: String, audiences: [String]? = nil) {
            self.token = token
            self.audiences = audiences
        }
    }

    public struct Status: Codable, Sendable, Hashable {
        public var authenticated: Bool?
        public var user: UserInfo?
        public var audiences: [String]?
        public var error: String?
    }

    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?
    public var unknownFields = UnknownFields()

    public init(token: String, audiences: [String]? = nil) {
        metadata = ObjectMeta()
        spec = Spec(token: token, audiences: audiences)
    }
}

/// authentication.k8s.io/v1 UserInfo: the user a token belongs to.
public struct UserInfo: Codable, Sendable, Hashable {
    public var username: String?
    public var uid: String?
    public var groups: [String]?
    public var extra: [String: [String]]?

    public init(
        username: String? = nil, uid: String? = nil, groups: [String]? = nil, extra: [String: [String]]? = nil
    ) {
        self.username = username
        self.uid = uid
        self.groups = groups
        self.extra = extra
    }
}

/// authorization.k8s.io/v1 SubjectAccessReview: asks the API server whether a user may do something.
public struct SubjectAccessReview: KubeResource, Hashable {
    public static let apiVersion = "authorization.k8s.io/v1"
    public static let kind = "SubjectAccessReview"
    public static let plural = "subjectaccessreviews"
    public static let namespaced = false

    /// What is asked for.
    public struct ResourceAttributes: Codable, Sendable, Hashable {
        public var namespace: String?
        public var verb: String
        public var group: String
        public var resource: String
        public var subresource: String?
        public var name: String?

        public init(
            namespace: String?, verb: String, group: String, resource: String, subresource: String? = nil,
            name: String? = nil
        ) {
            self.namespace = namespace
            self.verb = verb
            self.group = group
            self.resource = resource
            self.subresource = subresource
            self.name = name
        }
    }

    public struct Spec: Codable, Sendable, Hashable {
        public var user: String?
        public var uid: String?
        public var groups: [String]?
        public var extra: [String: [String]]?
        public var resourceAttributes: ResourceAttributes?
    }

    public struct Status: Codable, Sendable, Hashable {
        public var allowed: Bool
        public var denied: Bool?
        public var reason: String?
        public var evaluationError: String?
    }

    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?
    public var unknownFields = UnknownFields()

    public init(user: APIUser, attributes: ResourceAttributes) {
        metadata = ObjectMeta()
        spec = Spec(
            user: user.name, uid: user.uid.isEmpty ? nil : user.uid, groups: user.groups,
            extra: user.extra.isEmpty ? nil : user.extra, resourceAttributes: attributes)
    }
}
