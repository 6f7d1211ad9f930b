import C8SKube

/// The TokenReview (authentication.k8s.io/v1) and SubjectAccessReview (authorization.k8s.io/v1) APIs of the
/// in-memory API server: pure functions from a review object and a ``TestAuthModel`` to the answered review, and
/// their discovery documents.
enum ReviewAPIs {
    static let authenticationGroup = "authentication.k8s.io"
    static let authorizationGroup = "authorization.k8s.io"

    /// Answers a TokenReview: `status.authenticated` and `status.user` for a known token; for an unknown one
    /// `status.user` is empty and `authenticated` is left out (false), like the real server. Without a model no
    /// token is known.
    static func tokenReview(_ review: JSONValue, model: TestAuthModel?) throws -> JSONValue {
        try checkKind(review, apiVersion: "\(authenticationGroup)/v1", kind: "TokenReview")
        guard let token = review[path: ["spec", "token"]]?.stringValue else {
            throw invalid("TokenReview", field: "spec.token", "Required value: a token is required")
        }
        var answer = review
        if answer["metadata"] == nil { answer["metadata"] = .object([:]) }
        var status: [String: JSONValue] = ["user": .object([:])]
        if let user = model?.authenticate(token: token) {
            var described: [String: JSONValue] = [
                "username": .string(user.name), "groups": .array(user.groups.map { .string($0) }),
            ]
            if !user.uid.isEmpty { described["uid"] = .string(user.uid) }
            if !user.extra.isEmpty {
                described["extra"] = .object(user.extra.mapValues { .array($0.map { .string($0) }) })
            }
            status = ["authenticated": true, "user": .object(described)]
            if let audiences = review[path: ["spec", "audiences"]] { status["audiences"] = audiences }
        }
        answer["status"] = .object(status)
        return answer
    }

    /// Answers a SubjectAccessReview for `spec.user`/`spec.groups` and `spec.resourceAttributes`
    /// (`nonResourceAttributes` are allowed for every user, as discovery is). Without a model everything is allowed.
    static func subjectAccessReview(_ review: JSONValue, model: TestAuthModel?) throws -> JSONValue {
        try checkKind(review, apiVersion: "\(authorizationGroup)/v1", kind: "SubjectAccessReview")
        let spec = review["spec"] ?? .object([:])
        let userName = spec["user"]?.stringValue ?? ""
        let groups = spec["groups"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard !userName.isEmpty || !groups.isEmpty else {
            throw invalid(
                "SubjectAccessReview", field: "spec.user",
                "Invalid value: \"\": at least one of user or group must be specified")
        }
        var answer = review
        if answer["metadata"] == nil { answer["metadata"] = .object([:]) }
        let decision: TestAuthModel.Decision
        if let attributes = spec["resourceAttributes"] {
            let parsed = TestAuthModel.ResourceAttributes(
                namespace: attributes["namespace"]?.stringValue, verb: attributes["verb"]?.stringValue ?? "",
                group: attributes["group"]?.stringValue ?? "", resource: attributes["resource"]?.stringValue ?? "",
                subresource: attributes["subresource"]?.stringValue, name: attributes["name"]?.stringValue)
            if let model {
                decision = model.authorize(
                    TestAuthModel.User(name: userName, uid: spec["uid"]?.stringValue ?? "", groups: groups), parsed)
            } else {
                decision = .init(allowed: true, reason: "no authorization model is configured: everything is allowed")
            }
        } else if spec["nonResourceAttributes"] != nil {
            decision = .init(allowed: true, reason: "non-resource URLs are allowed to every user")
        } else {
            throw invalid(
                "SubjectAccessReview", field: "spec.resourceAttributes",
                "Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified")
        }
        var status: [String: JSONValue] = ["allowed": .bool(decision.allowed)]
        if !decision.reason.isEmpty { status["reason"] = .string(decision.reason) }
        answer["status"] = .object(status)
        return answer
    }

    private static func checkKind(_ review: JSONValue, apiVersion: String, kind: String) throws {
        let givenKind = review["kind"]?.stringValue ?? ""
        let givenVersion = review["apiVersion"]?.stringValue ?? ""
        guard (givenKind.isEmpty || givenKind == kind) && (givenVersion.isEmpty || givenVersion == apiVersion) else {
            throw APIError.badRequest("expected \(apiVersion) \(kind), got \(givenVersion) \(givenKind)")
        }
    }

    private static func invalid(_ kind: String, field: String, _ message: String) -> APIError {
        let group = kind == "TokenReview" ? authenticationGroup : authorizationGroup
        return APIError(
            code: 422, reason: "Invalid", message: "\(kind).\(group) \"\" is invalid: \(field): \(message)",
            name: "", group: group, kind: kind,
            causes: [.init(reason: "FieldValueInvalid", message: message, field: field)])
    }

    // MARK: Discovery

    /// The two groups, as `/apis` lists them.
    static var groups: [JSONValue] {
        [authenticationGroup, authorizationGroup].map { group in
            var document = APIState.groupDocument(group, "v1")
            document["kind"] = nil
            document["apiVersion"] = nil
            return document
        }
    }

    /// `/apis/<group>` of a review group, or nil.
    static func groupDocument(_ group: String) -> JSONValue? {
        [authenticationGroup, authorizationGroup].contains(group) ? APIState.groupDocument(group, "v1") : nil
    }

    /// `/apis/<group>/v1` of a review group, or nil.
    static func resourceList(group: String, version: String) -> JSONValue? {
        guard version == "v1" else { return nil }
        let resources: [(String, String, String)]
        switch group {
        case authenticationGroup: resources = [("tokenreviews", "tokenreview", "TokenReview")]
        case authorizationGroup:
            resources = [("subjectaccessreviews", "subjectaccessreview", "SubjectAccessReview")]
        default: return nil
        }
        return [
            "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string("\(group)/v1"),
            "resources": .array(
                resources.map { plural, singular, kind in
                    [
                        "name": .string(plural), "singularName": .string(singular), "namespaced": false,
                        "kind": .string(kind), "verbs": ["create"],
                    ]
                }),
        ]
    }
}
