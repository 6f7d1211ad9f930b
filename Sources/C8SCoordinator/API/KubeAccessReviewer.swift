import C8SKube
import Foundation
import Logging
import Synchronization

/// Authenticates REST API callers with a `TokenReview` and authorizes them with a `SubjectAccessReview`, both sent
/// through the coordinator's own client (RBAC: `create` on `tokenreviews` and `subjectaccessreviews`). Positive
/// token reviews are cached for `tokenCacheTTL` (at most `tokenCacheCapacity` tokens). Tokens are never logged.
public final class KubeAccessReviewer: Sendable {
    let client: KubeClient
    let audiences: [String]?
    let logger: Logger
    private let cache: Mutex<TokenCache>

    public init(
        client: KubeClient, audiences: [String]? = nil, tokenCacheTTL: Duration = .seconds(10),
        tokenCacheCapacity: Int = 1024, logger: Logger
    ) {
        self.client = client
        self.audiences = audiences
        self.logger = logger
        cache = Mutex(TokenCache(ttl: tokenCacheTTL, capacity: tokenCacheCapacity))
    }

    /// The user of an `Authorization` header value; throws 401 when it is missing, not a bearer token, or the API
    /// server does not authenticate it.
    public func authenticate(authorization header: String?) async throws(APIProblem) -> APIUser {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw .unauthorized("a bearer token is required (Authorization: Bearer <token>)")
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else { throw .unauthorized("a bearer token is required (Authorization: Bearer <token>)") }
        if let user = cache.withLock({ $0.user(for: token, now: .now) }) { return user }
        let answer: TokenReview
        do {
            answer = try await client.create(TokenReview(token: token, audiences: audiences))
        } catch let error as KubeError {
            logger.warning("TokenReview failed", metadata: ["error.message": "\(error)"])
            throw .init(
                code: 503, reason: "ServiceUnavailable",
                message: "cannot review the token: \(error.status?.message ?? "\(error.code)")")
        } catch {
            throw .init(code: 503, reason: "ServiceUnavailable", message: "cannot review the token")
        }
        guard answer.status?.authenticated == true, let info = answer.status?.user, let name = info.username,
            !name.isEmpty
        else {
            throw .unauthorized("the bearer token is not valid")
        }
        let user = APIUser(name: name, uid: info.uid ?? "", groups: info.groups ?? [], extra: info.extra ?? [:])
        cache.withLock { $0.insert(user, for: token, now: .now) }
        return user
    }

    /// Throws 403 naming the user, verb, resource and namespace unless the API server allows `user` to do
    /// `attributes`.
    public func authorize(
        _ user: APIUser, _ attributes: SubjectAccessReview.ResourceAttributes
    ) async throws(APIProblem) {
        let answer: SubjectAccessReview
        do {
            answer = try await client.create(SubjectAccessReview(user: user, attributes: attributes))
        } catch let error as KubeError {
            logger.warning("SubjectAccessReview failed", metadata: ["error.message": "\(error)"])
            throw .init(
                code: 503, reason: "ServiceUnavailable",
                message: "cannot review the access: \(error.status?.message ?? "\(error.code)")")
        } catch {
            throw .init(code: 503, reason: "ServiceUnavailable", message: "cannot review the access")
        }
        guard answer.status?.allowed == true else {
            throw .forbidden(Self.forbiddenMessage(user: user.name, attributes))
        }
    }

    /// `User "bob" cannot get resource "pipelineruns/log" in API group "c8s.dev" in the namespace "team-b"`.
    static func forbiddenMessage(user: String, _ attributes: SubjectAccessReview.ResourceAttributes) -> String {
        var resource = attributes.resource
        if let subresource = attributes.subresource { resource += "/\(subresource)" }
        let scope = attributes.namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        return "User \"\(user)\" cannot \(attributes.verb) resource \"\(resource)\" in API group "
            + "\"\(attributes.group)\" \(scope)"
    }
}
