/// Authentication and authorization for ``TestAPIServer``, with the real API server's semantics for the parts c8s
/// uses: bearer tokens map to users (name, uid, groups, extra), and RBAC-like rules grant verbs on resources of API
/// groups in namespaces. The model is pure: ``authenticate(token:)`` and ``authorize(_:_:)`` answer from values.
///
/// When a server is configured with a model, every request (except `/healthz`, `/readyz`, `/livez`) must carry
/// `Authorization: Bearer <token>` of a known user (else 401) and be allowed by a rule (else 403 with the real
/// message form). Discovery and `/version` are allowed to every authenticated user, as `system:discovery` does.
/// `POST /apis/authentication.k8s.io/v1/tokenreviews` and `POST /apis/authorization.k8s.io/v1/subjectaccessreviews`
/// answer from the same model.
public struct TestAuthModel: Sendable, Hashable {
    /// An authenticated user.
    public struct User: Sendable, Hashable {
        public var name: String
        public var uid: String
        public var groups: [String]
        public var extra: [String: [String]]

        public init(name: String, uid: String = "", groups: [String] = [], extra: [String: [String]] = [:]) {
            self.name = name
            self.uid = uid
            self.groups = groups
            self.extra = extra
        }
    }

    /// One RBAC-like rule: `*` matches anything in each list. `resources` may name a subresource
    /// (`pipelineruns/log`, `*/status`); an empty `namespaces` means every namespace (and the cluster scope).
    public struct Rule: Sendable, Hashable {
        public var apiGroups: [String]
        public var resources: [String]
        public var verbs: [String]
        public var namespaces: [String]
        /// Object names the rule is limited to (empty: any).
        public var resourceNames: [String]

        public init(
            apiGroups: [String], resources: [String], verbs: [String], namespaces: [String] = [],
            resourceNames: [String] = []
        ) {
            self.apiGroups = apiGroups
            self.resources = resources
            self.verbs = verbs
            self.namespaces = namespaces
            self.resourceNames = resourceNames
        }

        /// Every verb on every resource of every group in every namespace.
        public static let all = Rule(apiGroups: ["*"], resources: ["*"], verbs: ["*"])

        func matches(_ attributes: ResourceAttributes) -> Bool {
            func has(_ list: [String], _ value: String) -> Bool { list.contains("*") || list.contains(value) }
            guard has(apiGroups, attributes.group), has(verbs, attributes.verb) else { return false }
            let resourceMatches: Bool
            if let subresource = attributes.subresource, !subresource.isEmpty {
                resourceMatches =
                    resources.contains("*") || resources.contains("\(attributes.resource)/\(subresource)")
                    || resources.contains("*/\(subresource)") || resources.contains("\(attributes.resource)/*")
            } else {
                resourceMatches = has(resources, attributes.resource)
            }
            guard resourceMatches else { return false }
            if !namespaces.isEmpty {
                guard let namespace = attributes.namespace, !namespace.isEmpty, namespaces.contains(namespace) else {
                    return false
                }
            }
            if !resourceNames.isEmpty {
                guard let name = attributes.name, resourceNames.contains(name) else { return false }
            }
            return true
        }
    }

    /// Who a grant applies to.
    public enum Subject: Sendable, Hashable {
        case user(String)
        case group(String)
    }

    /// Rules granted to a subject (a RoleBinding, in short).
    public struct Grant: Sendable, Hashable {
        public var subject: Subject
        public var rules: [Rule]
        /// Shown in an allowing review's reason.
        public var name: String

        public init(_ subject: Subject, rules: [Rule], name: String? = nil) {
            self.subject = subject
            self.rules = rules
            switch subject {
            case .user(let user): self.name = name ?? "grant-\(user)"
            case .group(let group): self.name = name ?? "grant-group-\(group)"
            }
        }
    }

    /// What a request does to which resource (a SubjectAccessReview's `resourceAttributes`).
    public struct ResourceAttributes: Sendable, Hashable {
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

    /// The outcome of an authorization check.
    public struct Decision: Sendable, Hashable {
        public var allowed: Bool
        public var reason: String
    }

    /// Bearer token → user.
    public var tokens: [String: User]
    public var grants: [Grant]
    /// Like the API server's `--anonymous-auth`: a request without an `Authorization` header is made by
    /// ``anonymous`` (`system:anonymous`, group `system:unauthenticated`), which the grants then authorize. Handy
    /// for test clients that send no token (`ClusterSimulator`): grant `.group("system:unauthenticated")` what they
    /// need. A wrong token is still 401. Default false.
    public var allowAnonymous: Bool

    public init(tokens: [String: User] = [:], grants: [Grant] = [], allowAnonymous: Bool = false) {
        self.tokens = tokens
        self.grants = grants
        self.allowAnonymous = allowAnonymous
    }

    /// The user of requests without credentials when ``allowAnonymous`` is set.
    public static let anonymous = User(name: "system:anonymous", groups: ["system:unauthenticated"])

    /// The user of a bearer token, or nil.
    public func authenticate(token: String) -> User? {
        token.isEmpty ? nil : tokens[token]
    }

    /// Whether `user` may do `attributes`, like RBAC: allowed when any rule of a grant to the user or one of its
    /// groups matches.
    public func authorize(_ user: User, _ attributes: ResourceAttributes) -> Decision {
        for grant in grants {
            let applies: Bool
            switch grant.subject {
            case .user(let name): applies = name == user.name
            case .group(let group): applies = user.groups.contains(group)
            }
            guard applies, grant.rules.contains(where: { $0.matches(attributes) }) else { continue }
            return Decision(allowed: true, reason: "allowed by \(grant.name) to User \"\(user.name)\"")
        }
        return Decision(allowed: false, reason: Self.forbiddenDetail(user: user.name, attributes))
    }

    /// `User "bob" cannot get resource "pipelineruns" in API group "c8s.dev" in the namespace "default"`.
    public static func forbiddenDetail(user: String, _ attributes: ResourceAttributes) -> String {
        var resource = attributes.resource
        if let subresource = attributes.subresource, !subresource.isEmpty { resource += "/\(subresource)" }
        let scope =
            attributes.namespace.map { $0.isEmpty ? "at the cluster scope" : "in the namespace \"\($0)\"" }
            ?? "at the cluster scope"
        return "User \"\(user)\" cannot \(attributes.verb) resource \"\(resource)\" in API group "
            + "\"\(attributes.group)\" \(scope)"
    }

    /// The real server's 403 message: `pipelineruns.c8s.dev "x" is forbidden: User "bob" cannot get ...`.
    public static func forbiddenMessage(user: String, _ attributes: ResourceAttributes) -> String {
        let qualified = attributes.group.isEmpty ? attributes.resource : "\(attributes.resource).\(attributes.group)"
        let named = attributes.name.map { " \"\($0)\"" } ?? ""
        return "\(qualified)\(named) is forbidden: \(forbiddenDetail(user: user, attributes))"
    }
}
