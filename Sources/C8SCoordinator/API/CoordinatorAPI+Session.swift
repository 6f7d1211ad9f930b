import Foundation
import HTTPTypes
import Hummingbird

/// Who is calling: the bearer token of `Authorization`, else the dashboard's session cookie, else (when configured)
/// an authenticating proxy's user header.
extension CoordinatorAPI {
    /// The session cookie: the bearer token pasted at sign-in, base64url-encoded (HttpOnly, SameSite=Strict).
    static let sessionCookie = "c8s_session"
    /// The header a cookie-authenticated script sends its CSRF token in.
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    /// The longest session cookie accepted (a bearer token of 12 KiB).
    static let maximumSessionCookie = 16 * 1024

    /// How a caller was identified.
    struct Caller: Sendable {
        enum Source: Sendable { case header, cookie, proxy }
        var user: APIUser
        var source: Source
        /// What the caller's CSRF token is derived from (nil for `Authorization` headers: no CSRF exposure).
        var csrfIdentity: String?
    }

    /// Authenticates the request. A cookie or proxy caller of a method other than GET and HEAD must also present
    /// its CSRF token in `X-CSRF-Token` (the dashboard's forms check their own field instead: `checkCSRF: false`).
    func caller(_ request: Request, checkCSRF: Bool = true) async throws(APIProblem) -> Caller {
        if let header = request.headers[.authorization] {
            return Caller(user: try await reviewer.authenticate(authorization: header), source: .header)
        }
        let caller: Caller
        if let token = Self.sessionToken(request) {
            let user = try await reviewer.authenticate(authorization: "Bearer " + token)
            caller = Caller(user: user, source: .cookie, csrfIdentity: "token:" + token)
        } else if let user = proxyUser(request) {
            caller = Caller(user: user, source: .proxy, csrfIdentity: "proxy:" + user.name)
        } else {
            throw .unauthorized("a bearer token is required (Authorization: Bearer <token>)")
        }
        if checkCSRF, request.method != .get, request.method != .head,
            !csrf.verify(request.headers[Self.csrfHeader], for: caller.csrfIdentity ?? "")
        {
            throw .forbidden("a request authenticated by the session cookie needs its CSRF token in X-CSRF-Token")
        }
        return caller
    }

    /// The token in the session cookie, if there is a well-formed one.
    static func sessionToken(_ request: Request) -> String? {
        guard let value = request.cookies[sessionCookie]?.value, !value.isEmpty,
            value.utf8.count <= maximumSessionCookie, let bytes = CSRFToken.fromBase64URL(value),
            let token = String(validating: bytes, as: UTF8.self), !token.isEmpty
        else { return nil }
        return token
    }

    /// The proxy's user, when proxy headers are trusted and present.
    func proxyUser(_ request: Request) -> APIUser? {
        guard let name = configuration.dashboard.proxyUserHeader.flatMap({ HTTPField.Name($0) }),
            let user = request.headers[name]?.trimmingCharacters(in: .whitespaces), !user.isEmpty,
            user.utf8.count <= 512
        else { return nil }
        var groups: [String] = []
        if let groupsName = configuration.dashboard.proxyGroupsHeader.flatMap({ HTTPField.Name($0) }) {
            for value in request.headers[values: groupsName] {
                groups += value.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                    .filter { !$0.isEmpty }
            }
        }
        return APIUser(name: user, groups: Array(groups.prefix(256)))
    }
}
