import C8SKube
import Foundation
import HTTPTypes
import Hummingbird

/// Authentication, authorization and the review APIs of the in-memory API server (see ``TestAuthModel``).
extension APIRequestHandler {
    /// The authenticated user of a request, or nil when the server has no auth model. Throws 401 for a missing or
    /// unknown bearer token and 403 when the model's rules do not allow the request.
    @discardableResult
    func authenticateAndAuthorize(
        _ request: Request, path: String, query: [String: String]
    ) throws -> TestAuthModel.User? {
        guard let model = configuration.auth else { return nil }
        let segments = path.split(separator: "/").map(String.init)
        if let first = segments.first, ["healthz", "readyz", "livez"].contains(first) { return nil }
        let header = request.headers[.authorization]
        let token = header.map {
            $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)).trimmingCharacters(in: .whitespaces) : ""
        }
        let user: TestAuthModel.User
        if let token {
            guard let known = model.authenticate(token: token) else {
                throw APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")
            }
            user = known
        } else if model.allowAnonymous {
            user = TestAuthModel.anonymous
        } else {
            throw APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")
        }
        guard let attributes = Self.resourceAttributes(method: request.method, segments: segments, query: query) else {
            return user  // discovery, /version, /openapi: every authenticated user may read them
        }
        let decision = model.authorize(user, attributes)
        guard decision.allowed else {
            throw APIError(
                code: 403, reason: "Forbidden", message: TestAuthModel.forbiddenMessage(user: user.name, attributes),
                name: attributes.name ?? "", group: attributes.group, kind: attributes.resource)
        }
        return user
    }

    /// The resource attributes of a resource request (`/api/v1/...`, `/apis/<group>/<version>/...`), nil for
    /// discovery and other non-resource paths.
    static func resourceAttributes(method: HTTPRequest.Method, segments: [String], query: [String: String])
        -> TestAuthModel.ResourceAttributes?
    {
        let group: String
        var rest: [String]
        switch segments.first {
        case "api" where segments.count > 2:
            group = ""
            rest = Array(segments.dropFirst(2))
        case "apis" where segments.count > 3:
            group = segments[1]
            rest = Array(segments.dropFirst(3))
        default:
            return nil
        }
        var namespace: String?
        if rest.count >= 3, rest[0] == "namespaces", !(group.isEmpty && ["status", "finalize"].contains(rest[2])) {
            namespace = rest[1]
            rest.removeFirst(2)
        }
        guard !rest.isEmpty else { return nil }
        let name = rest.count > 1 ? rest[1] : nil
        let verb: String
        switch method {
        case .get, .head:
            verb = name == nil ? (query["watch"] == "true" || query["watch"] == "1" ? "watch" : "list") : "get"
        case .post: verb = "create"
        case .put: verb = "update"
        case .patch: verb = "patch"
        case .delete: verb = name == nil ? "deletecollection" : "delete"
        default: verb = method.rawValue.lowercased()
        }
        if group.isEmpty, rest[0] == "namespaces", let name { namespace = name }
        return TestAuthModel.ResourceAttributes(
            namespace: namespace, verb: verb, group: group, resource: rest[0],
            subresource: rest.count > 2 ? rest[2] : nil, name: name)
    }

    /// Answers `POST /apis/authentication.k8s.io/v1/tokenreviews` and
    /// `POST /apis/authorization.k8s.io/v1/subjectaccessreviews`; nil for any other request.
    func review(_ request: Request, segments: [String], body: [UInt8]) throws -> Response? {
        guard segments.count == 4, segments[0] == "apis", segments[2] == "v1" else { return nil }
        switch (segments[1], segments[3]) {
        case (ReviewAPIs.authenticationGroup, "tokenreviews"), (ReviewAPIs.authorizationGroup, "subjectaccessreviews"):
            break
        default:
            return nil
        }
        guard request.method == .post else {
            throw APIError.methodNotAllowed(
                "the server does not allow this method on the requested resource (\(request.method))")
        }
        let document = try Self.decode(body)
        let model = configuration.auth
        let answer =
            segments[3] == "tokenreviews"
            ? try ReviewAPIs.tokenReview(document, model: model)
            : try ReviewAPIs.subjectAccessReview(document, model: model)
        return Self.json(answer, status: 201)
    }
}
